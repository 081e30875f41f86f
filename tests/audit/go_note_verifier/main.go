// A witness's first step, written with Go's own signed-note package (golang.org/x/mod/sumdb/note,
// Debian's golang-golang-x-mod-dev): open the checkpoint on stdin with the verifier key given as
// the first argument, then read its three lines as a C2SP checkpoint. Prints
// "origin size root-hex" and exits 0, or prints why and exits 1. Used by
// tests/audit/test_checkpoint.py; built in GOPATH mode, offline.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: go_note_verifier VERIFIER-KEY < CHECKPOINT")
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("verifier key: %v", err)
	}
	message, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read: %v", err)
	}
	opened, err := note.Open(message, note.VerifierList(verifier))
	if err != nil {
		fail("open: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(opened.Text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint: %d lines, want at least 3", len(lines))
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		fail("checkpoint: bad tree size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		fail("checkpoint: bad root hash %q", lines[2])
	}
	if verifier.Name() != lines[0] {
		fail("checkpoint: origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	fmt.Printf("%s %d %s\n", lines[0], size, hex.EncodeToString(root))
}
