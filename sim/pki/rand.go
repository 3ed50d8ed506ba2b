package pki

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync"
)

// NewReader returns a repeatable stream of bytes for tls.Config.Rand (the
// client and server randoms, the key shares), derived from seed and a
// purpose: the same seed and purpose always give the same stream. It is
// safe for concurrent use, but only reads that happen in the same order
// give the same bytes, as they do in a scripted world, where one
// handshake at a time reads it.
//
// It is not a source of secrets: anyone who knows the seed can read every
// session it protected. That is the point in a simulator that replays its
// lessons byte for byte, and the reason a live world (serve) does not use
// it.
//
// Go (1.26) ignores a custom reader for key generation unless the program
// runs with GODEBUG=cryptocustomrand=1 (a //go:debug line in package main
// and in the tests that compare bytes); it then makes key generation read
// one byte from the reader half of the time at random
// (crypto/internal/randutil.MaybeReadByte) to keep callers from relying on
// the stream. A one-byte read therefore returns a zero byte without
// advancing the stream: the handshakes read their randomness in 32-byte
// pieces and never one byte alone.
func NewReader(seed uint64, purpose string) io.Reader {
	sum := sha256.Sum256(append(binary.BigEndian.AppendUint64([]byte("mailscope rand\x00"), seed), purpose...))
	return &reader{r: rand.NewChaCha8(sum)}
}

type reader struct {
	mu sync.Mutex
	r  *rand.ChaCha8 // guarded by mu
}

// Read fills p from the stream, except for a one-byte read (see NewReader).
func (r *reader) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0
		return 1, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}
