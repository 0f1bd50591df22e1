package report

import (
	"path/filepath"
	"strings"
)

// srcRoot is the SARIF uriBaseId for paths relative to Options.BaseDir.
// GitHub resolves it to the checkout.
const srcRoot = "%SRCROOT%"

// artifactURI turns a scanned path into a SARIF artifact URI.
//
// A path inside baseDir (or, with no baseDir, a relative path that stays
// inside the current directory) becomes a relative URI with forward
// slashes, and relative reports true: GitHub needs repository-relative
// URIs to show an alert on the file. Anything else becomes an absolute
// file:// URI. Characters that are not allowed or mean something in a URI
// are percent-encoded, and so is a backslash that is part of a file name
// (on Unix), so a URI never contains one.
func artifactURI(path, baseDir string) (uri string, relative bool) {
	if rel, ok := relativePath(path, baseDir); ok {
		return escapePath(filepath.ToSlash(rel), true), true
	}
	return fileURI(absPath(path)), false
}

// relativePath returns path relative to baseDir, and false when path is
// outside it.
func relativePath(path, baseDir string) (string, bool) {
	if baseDir == "" {
		if filepath.IsAbs(path) || filepath.VolumeName(path) != "" {
			return "", false
		}
		rel := filepath.Clean(path)
		return rel, isLocal(rel)
	}
	rel, err := filepath.Rel(absPath(baseDir), absPath(path))
	if err != nil {
		return "", false
	}
	return rel, isLocal(rel)
}

// isLocal reports whether a cleaned relative path stays below its base.
func isLocal(rel string) bool {
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// absPath is filepath.Abs that falls back to the cleaned path when the
// working directory is unknown.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// fileURI returns the file:// URI of an absolute path: /a/b becomes
// file:///a/b, C:\a\b becomes file:///C:/a/b and \\host\share\a becomes
// file://host/share/a.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if strings.HasPrefix(p, "//") { // UNC
		return "file:" + escapePath(p, false)
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return "file://" + escapePath(p, false)
}

// baseURI returns the file:// URI of baseDir as a directory (ending in a
// slash), for run.originalUriBaseIds, or "" when there is no baseDir.
func baseURI(baseDir string) string {
	if baseDir == "" {
		return ""
	}
	u := fileURI(absPath(baseDir))
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// escapePath percent-encodes p for use as a URI path (RFC 3986). Slashes
// are kept as separators. In a relative reference a colon is encoded too,
// so "a:b/c" is not read as the scheme "a".
func escapePath(p string, relative bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if keepInPath(c) && !(relative && c == ':') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// keepInPath reports whether c may appear unencoded in a URI path:
// unreserved characters, sub-delimiters, ':', '@' and '/'.
func keepInPath(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}
