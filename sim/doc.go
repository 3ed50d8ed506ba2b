// Package sim holds the language-neutral heart of the MailScope simulation:
// the events that describe what happened (connections, protocol lines, store
// changes, step boundaries), the append-only Trace that records them against a
// virtual clock, the State that can be rebuilt from a trace at any step
// boundary, and the text and JSON Lines forms of a transcript.
//
// The packages below sim produce events: sim/wire taps connections, sim/store
// publishes changes, sim/smtp and sim/imap run the protocols, and sim/world
// ties them into a world that runs scripted steps. Nothing under sim imports
// a user-interface toolkit; the desktop application reads a Trace and nothing
// else.
package sim
