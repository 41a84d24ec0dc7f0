package filekind

import "path/filepath"

// LinkedDir returns the directory of the file path names when path is a
// link to a file in another directory than dir, the directory of path as
// the caller names it; "" otherwise (no link, a link within dir, or a
// path that does not resolve). Whoever may write to that directory puts
// another file in the place of the one the link names, as much as in
// dir: the config file and the outbox judge both (DirExposure).
func LinkedDir(path, dir string) string {
	file, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	fileDir, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return ""
	}
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		if abs, err := filepath.Abs(resolved); err == nil && abs == fileDir {
			return "" // the same directory, named as the caller named it
		}
	}
	return fileDir
}
