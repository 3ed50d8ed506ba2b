package wire

import (
	"bytes"
	"encoding/hex"
	"sync"
)

// KeyLog collects the TLS 1.3 traffic secrets that the world's servers and
// clients disclose, so that a Tap can decrypt what they say to each other
// and record both what crosses the wire and what the endpoints read. It is
// an io.Writer in the NSS key log format (one "LABEL client_random secret"
// line per secret, as crypto/tls writes to tls.Config.KeyLogWriter, and as
// Wireshark reads from SSLKEYLOGFILE). It is safe for concurrent use.
//
// Only TLS 1.3 secrets are kept: decrypting TLS 1.2 is out of scope, and
// the world's servers and clients speak only TLS 1.3.
type KeyLog struct {
	mu      sync.Mutex
	partial []byte                // the start of a line not yet ended
	secrets map[[32]byte]*secrets // by client random
	waiting map[[32]byte][]func() // called when a secret for the random arrives
}

// secrets are the traffic secrets of one TLS 1.3 session (RFC 8446 section
// 7.1), as logged.
type secrets struct {
	clientHandshake, serverHandshake []byte
	clientTraffic, serverTraffic     []byte
}

// The labels of the NSS key log format for TLS 1.3 traffic secrets.
const (
	labelClientHandshake = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
	labelServerHandshake = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
	labelClientTraffic   = "CLIENT_TRAFFIC_SECRET_0"
	labelServerTraffic   = "SERVER_TRAFFIC_SECRET_0"
)

// NewKeyLog returns an empty key log.
func NewKeyLog() *KeyLog {
	return &KeyLog{secrets: make(map[[32]byte]*secrets), waiting: make(map[[32]byte][]func())}
}

// maxKeyLogLine bounds a key log line: a label, a 64-digit random and a
// secret of at most 64 octets in hexadecimal.
const maxKeyLogLine = 512

// Write records the secrets in p: whole lines, or parts of lines that the
// next writes complete. Lines with other labels (such as TLS 1.2's
// CLIENT_RANDOM or EXPORTER_SECRET) and malformed lines are ignored. It
// never fails.
func (k *KeyLog) Write(p []byte) (int, error) {
	var notify []func()
	k.mu.Lock()
	buf := append(k.partial, p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		if random, ok := k.addLocked(buf[:i]); ok {
			notify = append(notify, k.waiting[random]...)
			delete(k.waiting, random)
		}
		buf = buf[i+1:]
	}
	if len(buf) > maxKeyLogLine {
		buf = nil
	}
	k.partial = append(k.partial[:0], buf...)
	k.mu.Unlock()
	// Called without the lock: a tap takes its own lock and may look up
	// secrets.
	for _, f := range notify {
		f()
	}
	return len(p), nil
}

// addLocked parses one line and keeps its secret; it returns the client
// random of the session and whether the line held a TLS 1.3 secret.
func (k *KeyLog) addLocked(line []byte) (random [32]byte, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 3 || len(f[1]) != 64 {
		return random, false
	}
	if _, err := hex.Decode(random[:], f[1]); err != nil {
		return random, false
	}
	secret, err := hex.DecodeString(string(f[2]))
	if err != nil || len(secret) == 0 || len(secret) > 64 {
		return random, false
	}
	s := k.secrets[random]
	if s == nil {
		s = &secrets{}
	}
	switch string(f[0]) {
	case labelClientHandshake:
		s.clientHandshake = secret
	case labelServerHandshake:
		s.serverHandshake = secret
	case labelClientTraffic:
		s.clientTraffic = secret
	case labelServerTraffic:
		s.serverTraffic = secret
	default:
		return random, false
	}
	k.secrets[random] = s
	return random, true
}

// secret returns the secret logged under label for the session with the
// given client random, or nil.
func (k *KeyLog) secret(random [32]byte, label string) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.secrets[random]
	if s == nil {
		return nil
	}
	switch label {
	case labelClientHandshake:
		return s.clientHandshake
	case labelServerHandshake:
		return s.serverHandshake
	case labelClientTraffic:
		return s.clientTraffic
	case labelServerTraffic:
		return s.serverTraffic
	}
	return nil
}

// wait arranges for f to be called (once, without the key log's lock) when
// the next secret of the session with the given client random is logged.
func (k *KeyLog) wait(random [32]byte, f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.waiting[random] = append(k.waiting[random], f)
}

// forget drops the secrets and the waits of a session that ended.
func (k *KeyLog) forget(random [32]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.secrets, random)
	delete(k.waiting, random)
}
