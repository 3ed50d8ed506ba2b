package pop3

import (
	"strconv"
	"strings"
)

// command is a parsed command line (RFC 1939 section 3): a keyword and its
// arguments.
type command struct {
	Name string   // the keyword in upper case
	Args []string // the arguments, split at spaces
	Rest string   // everything after the keyword and one space, unsplit
}

// parseCommand parses a command line, without its line ending. RFC 1939
// section 3 asks for printable ASCII keywords of three or four characters
// and arguments separated by single spaces; runs of spaces and trailing
// spaces are accepted too, as real clients send them. Arguments may hold
// any bytes but NUL and control characters, since passwords are not always
// ASCII. The error is an *Error fit to send.
func parseCommand(line []byte) (*command, *Error) {
	if len(line) == 0 {
		return nil, errorf("Empty command line")
	}
	for _, b := range line {
		switch {
		case b == 0:
			return nil, errorf("NUL bytes are not allowed in a command")
		case b < 0x20 && b != '\t' || b == 0x7f:
			return nil, errorf("Control characters are not allowed in a command")
		}
	}
	s := string(line)
	name, rest, _ := strings.Cut(s, " ")
	if !isKeyword(name) {
		if len(name) > 0 && len(name) <= 16 && isPrintable(name) {
			return nil, errorf("Unknown command: %s", name)
		}
		return nil, errorf("Unknown command")
	}
	cmd := &command{Name: strings.ToUpper(name), Rest: rest}
	for _, f := range strings.Split(rest, " ") {
		if f != "" {
			cmd.Args = append(cmd.Args, f)
		}
	}
	return cmd, nil
}

// isKeyword reports whether s has the form of a POP3 keyword: three or four
// ASCII letters.
func isKeyword(s string) bool {
	if len(s) < 3 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// isPrintable reports whether s is printable ASCII without spaces.
func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// sanitize returns s for quoting in a reply: printable ASCII only, at most
// 40 characters (the longest argument RFC 2449 section 4 allows).
func sanitize(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	if isPrintable(s) {
		return s
	}
	return strconv.QuoteToASCII(s)
}

// parseNumber parses a message number or a line count: decimal digits
// only, as RFC 1939 section 3 defines numbers, with no sign.
func parseNumber(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
