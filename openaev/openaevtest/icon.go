package openaevtest

import "fmt"

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

// iconObjectRefusal is why 2.4.0 fails a registration whose icon it
// uploads (an "icon" part of type image/png, the only one it stores:
// InjectorService.registerExternalInjector, first of all, :196-200)
// under a name the store refuses: the MinIO client's exception, wrapped
// in a RuntimeException (:244-245), a 500, nothing stored, the queue not
// declared; "" otherwise.
func iconObjectRefusal(icon []byte, iconType, injectorType string) string {
	if icon == nil || iconType != "image/png" {
		return ""
	}
	if n := len(injectorType) + len(".png"); n > MaxIconObjectSegment {
		return fmt.Sprintf("the icon's object name %s.png is %d bytes, longer than the %d MinIO takes of a segment: "+
			"XMinioInvalidObjectName (InjectorService.registerExternalInjector, FileService.uploadFile)", "<injector_type>", n, MaxIconObjectSegment)
	}
	return ""
}
