// Package explain is MailScope's one catalogue of explanations of protocol
// lines, in Spanish and English, and the tracker that follows each
// connection of a trace to say which entry a line is and which protocol
// state it moves the connection to.
//
// The catalogue is data: one embedded YAML file per protocol (data/smtp.yaml,
// data/pop3.yaml, data/imap.yaml) and one for what they share (data/mail.yaml:
// SASL mechanisms and the parts of a message), decoded strictly. Every entry
// has a title and a text in both languages and names the RFC section that
// defines it. Where the servers and clients MailScope runs (go-smtp, go-imap,
// its own POP3) depart from an RFC, the entry says so.
//
// The Explainer reads the events of a trace in order and keeps, for each
// connection, what the protocol needs to read the next line correctly:
// commands waiting for their replies (pipelining), the SMTP DATA phase and
// BDAT chunks, POP3 multi-line responses, IMAP literals (counted in octets,
// from the Size of each recorded line), tags, IDLE and SASL exchanges.
//
// The RFCs behind it are, for SMTP: RFC 5321 (the protocol), RFC 4954
// (AUTH), RFC 3207 (STARTTLS), RFC 3463 and RFC 2034 (enhanced status
// codes), RFC 6409 (message submission), RFC 2920 (PIPELINING), RFC 3030
// (CHUNKING, BDAT), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531
// (SMTPUTF8), RFC 3461 (DSN) and RFC 9422 (LIMITS); for POP3: RFC 1939, RFC
// 2449 (CAPA and response codes), RFC 2595 (STLS), RFC 3206 (SYS and AUTH
// codes) and RFC 5034 (AUTH); for IMAP: RFC 9051 (IMAP4rev2) and RFC 3501
// (IMAP4rev1), RFC 2177 (IDLE), RFC 6851 (MOVE), RFC 4315 (UIDPLUS), RFC
// 7888 (non-synchronizing literals) and the extensions named by the
// capabilities they explain; for messages: RFC 5322, RFC 2045 and RFC 2047;
// for SASL: RFC 4422, RFC 4616 (PLAIN) and RFC 4648 (base64: the
// explanation of a SASL line decodes it, since base64 hides nothing).
package explain
