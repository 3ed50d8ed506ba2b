// Package pop3 is MailScope's own POP3, since no well-kept Go library
// implements it: a server over the shared store, a client, and the agent a
// device runs to download its mail.
//
// The server follows RFC 1939 (Post Office Protocol, version 3): the
// AUTHORIZATION state (USER and PASS, APOP), the TRANSACTION state (STAT,
// LIST, RETR, DELE, NOOP, RSET, TOP, UIDL) and the UPDATE state, entered
// only by QUIT, in which messages marked with DELE leave the maildrop. It
// announces its extensions with CAPA and words its errors with the
// response codes of RFC 2449 ([IN-USE]) and RFC 3206 ([AUTH], [SYS/TEMP]),
// authenticates with SASL (PLAIN and LOGIN) as RFC 5034 describes, and
// offers STLS (RFC 2595) when it is given a TLS configuration.
//
// A session works on a snapshot of the account's INBOX taken when it logs
// in, under the account's exclusive maildrop lock: message numbers stay
// fixed, mail that arrives meanwhile waits for the next session, and the
// other folders of the account, which only IMAP knows, are invisible.
// Deletions reach IMAP sessions on the same account as EXPUNGE.
//
// The server writes nothing on its own and reads the time only from its
// clock, so that a simulated world that uses it replays byte for byte.
package pop3
