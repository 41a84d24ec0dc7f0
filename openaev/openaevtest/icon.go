package openaevtest

import (
	"fmt"
	"mime"
	"mime/multipart"
)

// MaxIconObjectSegment is the most bytes of the name 2.4.0 stores an
// injector's icon under in its object store, <injector_type>.png: MinIO,
// the store the platform ships with, keeps an object as a directory of
// each segment of its key on its drives, and refuses a segment of more
// than 255 characters (checkPathLength) or bytes (the file system's
// NAME_MAX): XMinioInvalidObjectName. The key is
// <tenant UUID>/injectors/images/<injector_type>.png
// (FileService.INJECTORS_IMAGES_BASE_PATH, MinioService.getTenantPath),
// under S3's 1024 bytes whenever its last segment fits.
const MaxIconObjectSegment = 255

// iconType is the only content type of an icon part 2.4.0 stores, compared
// as it is written (String.equals: "image/png; q=1" or "IMAGE/PNG" is not).
const iconType = "image/png"

// The icon a registration stores (2.4.0 read): the handler takes
// @RequestPart("icon") Optional<MultipartFile> (rest/injector/
// InjectorApi.java:163-166), which Spring resolves from the request's
// files alone: StandardMultipartHttpServletRequest.parseRequest keeps as a
// file a part whose Content-Disposition has a filename (an empty one
// included), any other as a form parameter, so an "icon" part without a
// filename binds Optional.empty(), nothing uploaded, the registration
// going on. A file part is uploaded first of all when its type is
// iconType (InjectorService.registerExternalInjector :197-201), outside
// the registration's transaction: Call.IconStored.

// isFilePart reports whether Spring and Tomcat take part as a file: its
// Content-Disposition has a filename parameter.
func isFilePart(part *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	_, ok := params["filename"]
	return err == nil && ok
}

// iconObjectRefusal is why 2.4.0 fails a registration whose icon it
// uploads (a file part, file, of type iconType, the only one it stores)
// under a name the store refuses: the MinIO client's exception, wrapped
// in a RuntimeException (:244-245), a 500, nothing stored, the queue not
// declared; "" otherwise.
func iconObjectRefusal(file bool, contentType, injectorType string) string {
	if !file || contentType != iconType {
		return ""
	}
	if n := len(injectorType) + len(".png"); n > MaxIconObjectSegment {
		return fmt.Sprintf("the icon's object name %s.png is %d bytes, longer than the %d MinIO takes of a segment: "+
			"XMinioInvalidObjectName (InjectorService.registerExternalInjector, FileService.uploadFile)", "<injector_type>", n, MaxIconObjectSegment)
	}
	return ""
}
