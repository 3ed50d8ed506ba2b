package store_test

import (
	"bytes"
	"testing"

	"github.com/mailscope/mailscope/sim/store"
)

func TestMaildrop(t *testing.T) {
	st := store.New(store.Options{})
	a, err := st.AddAccount(beto, password, host)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateMailbox("Archivo"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ mbox, raw string }{
		{store.Inbox, "Subject: one\r\n\r\n1\r\n"},
		{"Archivo", "Subject: elsewhere\r\n\r\nx\r\n"},
		{store.Inbox, "Subject: two\r\n\r\n2\r\n"},
	} {
		if _, err := st.Deliver(beto, d.mbox, []byte(d.raw), nil); err != nil {
			t.Fatal(err)
		}
	}
	v, msgs := a.Maildrop()
	if v == 0 || len(msgs) != 2 || msgs[0].UID != 1 || msgs[1].UID != 2 || !bytes.Contains(msgs[1].Raw, []byte("two")) {
		t.Fatalf("Maildrop() = %d, %+v; want the two INBOX messages", v, msgs)
	}
	a.ExpungeUIDs(store.Inbox, []uint32{1})
	if _, after := a.Maildrop(); len(after) != 1 || after[0].UID != 2 {
		t.Errorf("Maildrop() after expunging UID 1 = %+v, want UID 2 alone", after)
	}
	if len(msgs) != 2 {
		t.Errorf("an earlier snapshot changed: %+v", msgs)
	}
}

func TestLockMaildrop(t *testing.T) {
	st := store.New(store.Options{})
	a, err := st.AddAccount(beto, password, host)
	if err != nil {
		t.Fatal(err)
	}
	unlock, ok := a.LockMaildrop()
	if !ok {
		t.Fatal("LockMaildrop() on a free maildrop = false")
	}
	if _, ok := a.LockMaildrop(); ok {
		t.Error("LockMaildrop() on a held maildrop = true")
	}
	unlock()
	unlock() // a second call does nothing
	unlock2, ok := a.LockMaildrop()
	if !ok {
		t.Fatal("LockMaildrop() after unlock = false")
	}
	unlock()
	if _, ok := a.LockMaildrop(); ok {
		t.Error("an old unlock released a lock taken later")
	}
	unlock2()
}

func TestAuthenticateAPOP(t *testing.T) {
	st := store.New(store.Options{})
	if _, err := st.AddAccount(beto, password, host); err != nil {
		t.Fatal(err)
	}
	// RFC 1939 section 7's example: the timestamp and secret give this digest.
	if _, err := st.AddAccount("mrose@dbc.mtview.ca.us", "tanstaaf", "dbc.mtview.ca.us"); err != nil {
		t.Fatal(err)
	}
	const ts = "<1896.697170952@dbc.mtview.ca.us>"
	for _, tc := range []struct {
		user, digest string
		ok           bool
	}{
		{"mrose", "c4c9334bac560ecc979e58001b3e22fb", true},
		{"mrose@dbc.mtview.ca.us", "C4C9334BAC560ECC979E58001B3E22FB", true},
		{"mrose", "c4c9334bac560ecc979e58001b3e22fc", false},
		{"beto", "c4c9334bac560ecc979e58001b3e22fb", false},
		{"nadie", "c4c9334bac560ecc979e58001b3e22fb", false},
	} {
		a, err := st.AuthenticateAPOP(tc.user, ts, tc.digest, nil)
		if (err == nil) != tc.ok || (tc.ok && a.Local() != "mrose") {
			t.Errorf("AuthenticateAPOP(%q, %q) = %v, %v; want success %v", tc.user, tc.digest, a, err, tc.ok)
		}
	}
}
