package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/mailscope/mailscope/sim"
)

// A Tap reads the TLS records of a connection (RFC 8446 section 5) the way
// an eavesdropper does, and records each as a tls event: its content type
// and length, the handshake messages of the records sent in the clear, and
// the start of the ciphertext of the others. With the traffic secrets the
// endpoints logged in a KeyLog, it also decrypts TLS 1.3 records as the
// endpoints do (RFC 8446 section 5.2 and 7) and records what they read:
// the names of the encrypted handshake messages and alerts, and the
// application data, re-split into the usual line events.
//
// A direction of a connection switches to TLS when its bytes begin, at a
// line boundary, with a TLS record header: the client's ClientHello on an
// implicit-TLS port, where it speaks first, or right after it asked for
// STARTTLS (SMTP, IMAP) or STLS (POP3); the server's answer once the client
// has switched. Records that cannot be decrypted yet (the secret is not
// logged yet) wait for it.

// TLS content types (RFC 8446 section 5.1).
const (
	ctChangeCipherSpec = 20
	ctAlert            = 21
	ctHandshake        = 22
	ctApplicationData  = 23
	ctHeartbeat        = 24
)

// TLS handshake message types (RFC 8446 section 4).
const (
	hsClientHello = 1
	hsServerHello = 2
	hsFinished    = 20
	hsKeyUpdate   = 24
)

// Limits of the record reader.
const (
	// maxRecord is the largest record length accepted: 2^14 octets of
	// plaintext and the 2048 octets of expansion TLS 1.2 allows (RFC 5246
	// section 6.2.3; TLS 1.3 allows 256).
	maxRecord = 1<<14 + 2048
	// maxHandshake bounds a handshake message being reassembled.
	maxHandshake = 1 << 16
	// maxPending bounds the records waiting for their secret.
	maxPendingRecords = 256
	// excerptLen is how many octets of ciphertext an event shows.
	excerptLen = 16
)

// tlsState is what a Tap knows of a connection's TLS: what both directions
// share. It is guarded by the tap's lock.
type tlsState struct {
	dirs       [2]tlsDir // by dirIndex
	random     [32]byte  // the ClientHello's random: the key log's index
	haveRandom bool
	serverName string // the ClientHello's server_name (SNI)
	suite      *suite // the TLS 1.3 cipher suite, from ServerHello
	legacy     bool   // the server chose TLS 1.2 or older
	waiting    bool   // a wait on the key log is registered
}

// tlsDir is one direction of a TLS connection.
type tlsDir struct {
	on      bool   // the direction carries TLS records
	buf     []byte // the start of a record not yet complete
	invalid bool   // bytes that are not TLS records came: the rest is not parsed
	hs      []byte // handshake octets not yet a whole message
	hsNamed bool   // the message at the start of hs was named already

	epoch   int    // 0: records in the clear; 1: handshake keys; 2: application keys
	opaque  bool   // records can no longer be decrypted (TLS 1.2, no secret, or a failure)
	secret  []byte // the current traffic secret
	aead    cipher.AEAD
	iv      []byte
	seq     uint64
	finish  bool     // the record being read ends the handshake keys
	update  bool     // the record being read carries a KeyUpdate
	pending [][]byte // whole records waiting for their secret
}

func dirIndex(dir sim.Dir) int {
	if dir == sim.S2C {
		return 1
	}
	return 0
}

// suite is a TLS 1.3 cipher suite (RFC 8446 appendix B.4).
type suite struct {
	hash   func() hash.Hash
	keyLen int
	aead   func(key []byte) (cipher.AEAD, error)
}

func aesGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var suites = map[uint16]*suite{
	0x1301: {sha256.New, 16, aesGCM},               // TLS_AES_128_GCM_SHA256
	0x1302: {sha512.New384, 32, aesGCM},            // TLS_AES_256_GCM_SHA384
	0x1303: {sha256.New, 32, chacha20poly1305.New}, // TLS_CHACHA20_POLY1305_SHA256
}

// expandLabel is HKDF-Expand-Label (RFC 8446 section 7.1) with an empty
// context.
func expandLabel(h func() hash.Hash, secret []byte, label string, length int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0) // no context
	return hkdf.Expand(h, secret, string(info), length)
}

// setSecret derives the key and IV of a traffic secret (RFC 8446 section
// 7.3); the record sequence number starts again at zero.
func (d *tlsDir) setSecret(s *suite, secret []byte) error {
	key, err := expandLabel(s.hash, secret, "key", s.keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(s.hash, secret, "iv", 12)
	if err != nil {
		return err
	}
	aead, err := s.aead(key)
	if err != nil {
		return err
	}
	d.secret, d.aead, d.iv, d.seq = secret, aead, iv, 0
	return nil
}

// open decrypts a record (RFC 8446 section 5.2): the nonce is the IV XOR
// the sequence number, the additional data the record's header. It returns
// the true content type and the content, without padding.
func (d *tlsDir) open(rec []byte) (byte, []byte, error) {
	nonce := make([]byte, len(d.iv))
	copy(nonce, d.iv)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], d.seq)
	for i := range seq {
		nonce[len(nonce)-8+i] ^= seq[i]
	}
	plain, err := d.aead.Open(nil, nonce, rec[5:], rec[:5])
	if err != nil {
		return 0, nil, err
	}
	d.seq++
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, fmt.Errorf("a record with no content type")
	}
	return plain[i], plain[:i], nil
}

// startsTLS reports whether bytes p, written in direction dir at a line
// boundary, begin the TLS of the connection.
func (t *Tap) startsTLS(dir sim.Dir, p []byte) bool {
	if len(p) == 0 || t.splitter(dir).size > 0 {
		return false
	}
	if len(p) > 1 && p[1] != 3 {
		return false // the major version of every TLS record is 3
	}
	if dir == sim.C2S {
		// A ClientHello: at once on an implicit-TLS port, or after the
		// client asked to start TLS.
		return p[0] == ctHandshake && (!t.sawC2S || t.askedTLS)
	}
	// The server answers a client that switched: with its ServerHello, or
	// with an alert.
	return t.tls != nil && p[0] >= ctChangeCipherSpec && p[0] <= ctApplicationData
}

// tlsFeed reads records from bytes p written in direction dir.
func (t *Tap) tlsFeed(dir sim.Dir, p []byte) {
	d := &t.tls.dirs[dirIndex(dir)]
	if d.invalid {
		t.emitTLS(dir, &sim.TLSRecord{Type: "invalid", Length: len(p)}, len(p))
		return
	}
	d.buf = append(d.buf, p...)
	for len(d.buf) >= 5 {
		typ, n := d.buf[0], int(binary.BigEndian.Uint16(d.buf[3:5]))
		if typ < ctChangeCipherSpec || typ > ctHeartbeat || d.buf[1] != 3 || n > maxRecord {
			// Not TLS (any longer): what is left is counted, not read.
			d.invalid = true
			t.emitTLS(dir, &sim.TLSRecord{Type: "invalid", Length: len(d.buf)}, len(d.buf))
			d.buf = nil
			return
		}
		if len(d.buf) < 5+n {
			return
		}
		rec := d.buf[: 5+n : 5+n]
		d.buf = d.buf[5+n:]
		t.tlsRecord(dir, d, rec)
	}
	if len(d.buf) == 0 {
		d.buf = nil
	}
}

// tlsRecord records one whole record and reads it.
func (t *Tap) tlsRecord(dir sim.Dir, d *tlsDir, rec []byte) {
	typ, body := rec[0], rec[5:]
	r := &sim.TLSRecord{Type: contentType(typ), Length: len(body)}
	var plain []byte
	switch {
	case d.epoch > 0 && typ == ctApplicationData && !d.opaque:
		r.Excerpt = excerpt(body)
		if len(d.pending) > 0 || !t.loadKey(dir, d) {
			t.hold(dir, d, rec)
			break
		}
		plain = t.decrypt(dir, d, r, rec)
	case typ == ctChangeCipherSpec:
		// In TLS 1.3 a dummy for middleboxes (RFC 8446 appendix D.4); in
		// TLS 1.2 the switch to encryption, which this tap does not undo.
		if t.tls.legacy {
			d.opaque = true
		}
	case typ == ctHandshake && d.epoch == 0 && !d.opaque:
		r.Messages = t.handshake(dir, d, body, false)
		if dir == sim.C2S && slices.Contains(r.Messages, "ClientHello") {
			r.ServerName = t.tls.serverName
		}
	case typ == ctAlert && d.epoch == 0 && !d.opaque:
		r.Messages = []string{alert(body)}
	default:
		r.Excerpt = excerpt(body)
	}
	t.emitTLS(dir, r, len(rec))
	if len(plain) > 0 {
		t.feedLines(dir, plain)
	}
}

// decrypt opens an encrypted record, fills in what the endpoints see in r,
// and returns its application data, if any.
func (t *Tap) decrypt(dir sim.Dir, d *tlsDir, r *sim.TLSRecord, rec []byte) []byte {
	inner, content, err := d.open(rec)
	if err != nil {
		// Keys out of step with the endpoints': stop reading this way.
		d.opaque = true
		return nil
	}
	r.Inner = contentType(inner)
	var app []byte
	switch inner {
	case ctHandshake:
		r.InnerMessages = t.handshake(dir, d, content, true)
	case ctAlert:
		r.InnerMessages = []string{alert(content)}
	case ctApplicationData:
		app = content
	}
	switch {
	case d.finish:
		// After its Finished, a side writes with its application traffic
		// secret (RFC 8446 section 7.1).
		d.finish, d.epoch, d.aead, d.secret = false, 2, nil, nil
	case d.update:
		// KeyUpdate: the next generation of the secret (RFC 8446 section
		// 7.2).
		d.update = false
		next, err := expandLabel(t.tls.suite.hash, d.secret, "traffic upd", t.tls.suite.hash().Size())
		if err != nil || d.setSecret(t.tls.suite, next) != nil {
			d.opaque = true
		}
	}
	return app
}

// loadKey makes sure d has the keys of its epoch, from the key log; it
// reports whether it has them. Without a key log, or for a session whose
// ClientHello it did not see, the direction becomes opaque.
func (t *Tap) loadKey(dir sim.Dir, d *tlsDir) bool {
	if d.aead != nil {
		return true
	}
	if t.keys == nil || !t.tls.haveRandom || t.tls.suite == nil {
		d.opaque = true
		return false
	}
	var label string
	switch {
	case dir == sim.C2S && d.epoch == 1:
		label = labelClientHandshake
	case dir == sim.C2S:
		label = labelClientTraffic
	case d.epoch == 1:
		label = labelServerHandshake
	default:
		label = labelServerTraffic
	}
	secret := t.keys.secret(t.tls.random, label)
	if secret == nil {
		return false
	}
	if err := d.setSecret(t.tls.suite, secret); err != nil {
		d.opaque = true
		return false
	}
	return true
}

// hold keeps a record until its secret is logged.
func (t *Tap) hold(dir sim.Dir, d *tlsDir, rec []byte) {
	if d.opaque {
		return
	}
	if len(d.pending) >= maxPendingRecords {
		d.opaque, d.pending = true, nil
		return
	}
	d.pending = append(d.pending, rec)
	if !t.tls.waiting {
		t.tls.waiting = true
		t.keys.wait(t.tls.random, t.keyLogged)
	}
}

// keyLogged reads the records that waited for a secret, now that one
// arrived.
func (t *Tap) keyLogged() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.tls == nil {
		return
	}
	t.tls.waiting = false
	for _, dir := range []sim.Dir{sim.C2S, sim.S2C} {
		d := &t.tls.dirs[dirIndex(dir)]
		for len(d.pending) > 0 && !d.opaque {
			if !t.loadKey(dir, d) {
				t.tls.waiting = true
				t.keys.wait(t.tls.random, t.keyLogged)
				break
			}
			rec := d.pending[0]
			d.pending = d.pending[1:]
			r := &sim.TLSRecord{}
			if plain := t.decrypt(dir, d, r, rec); len(plain) > 0 {
				t.feedLines(dir, plain)
			}
		}
		if d.opaque {
			d.pending = nil
		}
	}
}

// handshake reads handshake octets (in the clear, or decrypted) and
// returns the names of the messages that begin in them.
func (t *Tap) handshake(dir sim.Dir, d *tlsDir, b []byte, encrypted bool) []string {
	var names []string
	d.hs = append(d.hs, b...)
	for len(d.hs) >= 4 {
		typ := d.hs[0]
		n := int(d.hs[1])<<16 | int(d.hs[2])<<8 | int(d.hs[3])
		if n > maxHandshake {
			d.hs, d.opaque = nil, true
			return append(names, handshakeName(typ, nil))
		}
		if len(d.hs) < 4+n {
			if !d.hsNamed {
				names = append(names, handshakeName(typ, nil))
				d.hsNamed = true
			}
			return names
		}
		msg := d.hs[4 : 4+n]
		if !d.hsNamed {
			names = append(names, handshakeName(typ, msg))
		}
		t.handshakeMessage(dir, d, typ, msg, encrypted)
		d.hs, d.hsNamed = d.hs[4+n:], false
	}
	if len(d.hs) == 0 {
		d.hs = nil
	}
	return names
}

// handshakeMessage acts on a whole handshake message: the ClientHello's
// random names the session in the key log, the ServerHello chooses the
// version and the cipher suite and starts the handshake keys, a Finished
// ends them, a KeyUpdate renews the keys of its direction.
func (t *Tap) handshakeMessage(dir sim.Dir, d *tlsDir, typ byte, msg []byte, encrypted bool) {
	switch {
	case typ == hsClientHello && dir == sim.C2S && !encrypted:
		if len(msg) >= 34 {
			copy(t.tls.random[:], msg[2:34])
			t.tls.haveRandom = true
			t.tls.serverName = parseServerName(msg)
		}
	case typ == hsServerHello && dir == sim.S2C && !encrypted:
		version, cs, hrr, ok := parseServerHello(msg)
		switch {
		case !ok || hrr:
			// A HelloRetryRequest: another ClientHello follows, in the
			// clear.
		case version == 0x0304:
			if s := suites[cs]; s != nil {
				t.tls.suite = s
				for i := range t.tls.dirs {
					t.tls.dirs[i].epoch = 1
				}
			} else {
				t.tls.dirs[0].opaque, t.tls.dirs[1].opaque = true, true
			}
		default:
			// TLS 1.2 or older: records are encrypted after
			// ChangeCipherSpec, with keys this tap does not derive.
			t.tls.legacy = true
		}
	case typ == hsFinished && encrypted && d.epoch == 1:
		d.finish = true
	case typ == hsKeyUpdate && encrypted && d.epoch == 2:
		d.update = true
	}
}

// helloRetryRandom is the random of a HelloRetryRequest (RFC 8446 section
// 4.1.3).
var helloRetryRandom, _ = hex.DecodeString("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

// parseServerHello reads a ServerHello (RFC 8446 section 4.1.3): the
// version it chose (from supported_versions, or its legacy version), its
// cipher suite, and whether it is a HelloRetryRequest.
func parseServerHello(m []byte) (version, cs uint16, hrr, ok bool) {
	if len(m) < 35 {
		return 0, 0, false, false
	}
	version = binary.BigEndian.Uint16(m[0:2])
	hrr = string(m[2:34]) == string(helloRetryRandom)
	off := 35 + int(m[34])
	if len(m) < off+3 {
		return 0, 0, false, false
	}
	cs = binary.BigEndian.Uint16(m[off : off+2])
	off += 3 // the cipher suite and the compression method
	if len(m) < off+2 {
		return version, cs, hrr, true
	}
	exts := m[off+2:]
	if n := int(binary.BigEndian.Uint16(m[off : off+2])); n < len(exts) {
		exts = exts[:n]
	}
	for len(exts) >= 4 {
		typ, n := binary.BigEndian.Uint16(exts[0:2]), int(binary.BigEndian.Uint16(exts[2:4]))
		if len(exts) < 4+n {
			break
		}
		if typ == 43 && n == 2 { // supported_versions
			version = binary.BigEndian.Uint16(exts[4:6])
		}
		exts = exts[4+n:]
	}
	return version, cs, hrr, true
}

// parseServerName returns the host name of a ClientHello's server_name
// extension (RFC 6066 section 3), or "".
func parseServerName(m []byte) string {
	skip := func(b []byte, lenBytes int) []byte {
		if len(b) < lenBytes {
			return nil
		}
		n := 0
		for _, c := range b[:lenBytes] {
			n = n<<8 | int(c)
		}
		if len(b) < lenBytes+n {
			return nil
		}
		return b[lenBytes+n:]
	}
	if len(m) < 34 {
		return ""
	}
	b := skip(m[34:], 1) // legacy_session_id
	b = skip(b, 2)       // cipher_suites
	b = skip(b, 1)       // legacy_compression_methods
	if len(b) < 2 {
		return ""
	}
	exts := b[2:]
	for len(exts) >= 4 {
		typ, n := binary.BigEndian.Uint16(exts[0:2]), int(binary.BigEndian.Uint16(exts[2:4]))
		if len(exts) < 4+n {
			return ""
		}
		data := exts[4 : 4+n]
		exts = exts[4+n:]
		if typ != 0 || len(data) < 5 || data[2] != 0 { // server_name, host_name
			continue
		}
		l := int(binary.BigEndian.Uint16(data[3:5]))
		if len(data) < 5+l {
			return ""
		}
		return sim.Printable(string(data[5 : 5+l]))
	}
	return ""
}

// emitTLS records a record as an eavesdropper sees it (and as the
// endpoints do, when decrypted); size is its length on the wire.
func (t *Tap) emitTLS(dir sim.Dir, r *sim.TLSRecord, size int) {
	t.trace.Append(sim.Event{Kind: sim.KindTLS, Conn: t.conn, Dir: dir, Size: int32(size), Text: r.Summary(), TLS: r})
}

// feedLines records decrypted application data as lines.
func (t *Tap) feedLines(dir sim.Dir, p []byte) {
	t.splitter(dir).feed(p, func(text []byte, end sim.LineEnd, size int) {
		t.emit(dir, text, end, size)
	})
}

// tlsClose records what is left of the connection's records when it
// closes: a record cut short.
func (t *Tap) tlsClose() {
	for _, dir := range []sim.Dir{sim.C2S, sim.S2C} {
		d := &t.tls.dirs[dirIndex(dir)]
		if len(d.buf) > 0 {
			t.emitTLS(dir, &sim.TLSRecord{Type: "invalid", Length: len(d.buf)}, len(d.buf))
			d.buf = nil
		}
		d.pending = nil
	}
	if t.tls.haveRandom && t.keys != nil {
		t.keys.forget(t.tls.random)
	}
}

func excerpt(b []byte) string { return hex.EncodeToString(b[:min(len(b), excerptLen)]) }

var contentTypes = map[byte]string{
	ctChangeCipherSpec: "change_cipher_spec",
	ctAlert:            "alert",
	ctHandshake:        "handshake",
	ctApplicationData:  "application_data",
	ctHeartbeat:        "heartbeat",
}

func contentType(t byte) string {
	if s, ok := contentTypes[t]; ok {
		return s
	}
	return fmt.Sprintf("content_type(%d)", t)
}

var handshakeTypes = map[byte]string{
	1:   "ClientHello",
	2:   "ServerHello",
	4:   "NewSessionTicket",
	5:   "EndOfEarlyData",
	8:   "EncryptedExtensions",
	11:  "Certificate",
	12:  "ServerKeyExchange",
	13:  "CertificateRequest",
	14:  "ServerHelloDone",
	15:  "CertificateVerify",
	16:  "ClientKeyExchange",
	20:  "Finished",
	24:  "KeyUpdate",
	254: "MessageHash",
}

// handshakeName names a handshake message; msg, when given, tells a
// HelloRetryRequest from a ServerHello.
func handshakeName(typ byte, msg []byte) string {
	if typ == hsServerHello && len(msg) >= 34 && string(msg[2:34]) == string(helloRetryRandom) {
		return "HelloRetryRequest"
	}
	if s, ok := handshakeTypes[typ]; ok {
		return s
	}
	return fmt.Sprintf("handshake(%d)", typ)
}

var alertDescriptions = map[byte]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
	40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
	44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
	47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
	51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 115: "unknown_psk_identity",
	116: "certificate_required", 120: "no_application_protocol",
}

// alert names an alert (RFC 8446 section 6): its level and description,
// such as "fatal unknown_ca".
func alert(b []byte) string {
	if len(b) != 2 {
		return "malformed"
	}
	level := fmt.Sprintf("level(%d)", b[0])
	switch b[0] {
	case 1:
		level = "warning"
	case 2:
		level = "fatal"
	}
	desc, ok := alertDescriptions[b[1]]
	if !ok {
		desc = fmt.Sprintf("alert(%d)", b[1])
	}
	return level + " " + desc
}
