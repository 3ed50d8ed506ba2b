package sasl

import (
	"errors"
	"testing"

	gosasl "github.com/emersion/go-sasl"
)

func check(username, password string) error {
	if username == "beto" && password == "naranja" {
		return nil
	}
	return errors.New("wrong")
}

// step is one exchange: what the client says (nil: no initial response)
// and what the server must answer.
type step struct {
	response  []byte
	challenge string
	done      bool
	err       bool
}

func TestLoginServer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"challenges", []step{
			{nil, "Username:", false, false},
			{[]byte("beto"), "Password:", false, false},
			{[]byte("naranja"), "", true, false},
		}},
		{"initial response", []step{
			{[]byte("beto"), "Password:", false, false},
			{[]byte("naranja"), "", true, false},
		}},
		{"wrong password", []step{
			{nil, "Username:", false, false},
			{[]byte("beto"), "Password:", false, false},
			{[]byte("limon"), "", true, true},
		}},
		{"empty username", []step{
			{nil, "Username:", false, false},
			{[]byte{}, "", true, true},
		}},
		{"empty initial response", []step{
			{[]byte{}, "", true, true},
		}},
		{"too many responses", []step{
			{[]byte("beto"), "Password:", false, false},
			{[]byte("naranja"), "", true, false},
			{[]byte("more"), "", true, true},
		}},
	} {
		s := NewLoginServer(check)
		for i, st := range tc.steps {
			challenge, done, err := s.Next(st.response)
			if string(challenge) != st.challenge || done != st.done || (err != nil) != st.err {
				t.Errorf("%s: Next(%q) #%d = %q, %v, %v; want %q, %v, error %v", tc.name, st.response, i+1, challenge, done, err, st.challenge, st.done, st.err)
				break
			}
		}
	}
}

// TestLoginWithClient runs go-sasl's LOGIN client against the server.
func TestLoginWithClient(t *testing.T) {
	for _, tc := range []struct {
		password string
		ok       bool
	}{{"naranja", true}, {"limon", false}} {
		c := gosasl.NewLoginClient("beto", tc.password)
		s := NewLoginServer(check)
		mech, ir, err := c.Start()
		if err != nil || mech != Login {
			t.Fatalf("Start() = %q, %v", mech, err)
		}
		response := ir
		var done bool
		for i := 0; i < 5 && !done; i++ {
			var challenge []byte
			challenge, done, err = s.Next(response)
			if done || err != nil {
				break
			}
			if response, err = c.Next(challenge); err != nil {
				t.Fatalf("client Next(%q): %v", challenge, err)
			}
		}
		if !done || (err == nil) != tc.ok {
			t.Errorf("LOGIN with password %q: done %v, err %v; want done and success %v", tc.password, done, err, tc.ok)
		}
	}
}
