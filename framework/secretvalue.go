package framework

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/injectkit/injectkit/internal/fold"
)

// MinSecretLen is the length, in characters, under which the value given
// for a Secret setting is weak (WeakSecret): no API key, token or
// password a service issues is that short, and the runtime's redaction
// of a short word garbles every log line holding it.
const MinSecretLen = 8

// placeholders are values, folded (fold.Name), that stand for a secret
// to write in: what a template or an example left there.
var placeholders = map[string]bool{
	"changeme": true, "changeit": true, "replaceme": true, "secret": true, "password": true,
	"passwd": true, "token": true, "apikey": true, "key": true, "test": true, "testing": true,
	"example": true, "placeholder": true, "dummy": true, "fake": true, "todo": true, "tbd": true,
	"none": true, "null": true, "nil": true, "undefined": true, "default": true, "redacted": true,
	"yourapikey": true, "yourkey": true, "yoursecret": true, "yourtoken": true, "insertkeyhere": true,
	"secretkey": true, "mysecret": true, "mykey": true, "myapikey": true, "mytoken": true,
}

// WeakSecret says why v, the value given for s, a Secret setting, is no
// real secret, in words that never quote it nor any value it may be (the
// log redaction of the value would garble them); "" when it may be one. A
// value is weak when it is blank (spaces alone), s's documented example
// (its key in capitals, as the CLI help's examples write it, its
// environment variable's name, or its Default), a placeholder (changeme,
// <your key>, "...", xxxxxxxx: one character repeated, no letter or
// digit), an environment variable's reference left unexpanded ($NAME,
// ${NAME}), or shorter than MinSecretLen characters. An empty v (not
// given) is not weak: a Required setting is refused unset.
func (s Setting) WeakSecret(v string) string {
	if v == "" {
		return ""
	}
	t := strings.TrimSpace(v)
	folded := fold.Name(t)
	switch {
	case t == "":
		return "blank: spaces alone"
	case folded == fold.Name(s.Key) || (s.Env != "" && folded == fold.Name(s.Env)) || (s.Default != "" && t == s.Default):
		return "the setting's documented example (its own name, as the help's examples write it, or its default), not a value of its own"
	case placeholders[folded] || placeholderShape(t):
		return "a placeholder a template or an example left, not a real value"
	case strings.HasPrefix(t, "$") && len(t) > 1:
		return "an environment variable's reference the shell or the file that set it left unexpanded"
	case utf8.RuneCountInString(t) < MinSecretLen:
		return fmt.Sprintf("shorter than %d characters", MinSecretLen)
	}
	return ""
}

// placeholderShape reports whether t reads as a placeholder by its shape:
// in angle brackets (<your key>), without a letter or a digit (..., ***),
// or one character repeated (xxxxxxxx, 00000000).
func placeholderShape(t string) bool {
	if strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">") {
		return true
	}
	alnum := strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
	if !alnum {
		return true
	}
	first, _ := utf8.DecodeRuneInString(t)
	return strings.Trim(t, string(first)) == ""
}
