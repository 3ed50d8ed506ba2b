package explain

import (
	"strconv"
	"strings"
)

// tokKind is the kind of an IMAP token.
type tokKind uint8

const (
	tokAtom    tokKind = iota // an atom or a number, with any [section] it holds
	tokQuoted                 // a quoted string, unescaped
	tokOpen                   // (
	tokClose                  // )
	tokLiteral                // {n}, {n+} or ~{n}: n octets follow the line
)

// token is one IMAP token (RFC 9051 section 4).
type token struct {
	kind tokKind
	text string
	n    int64 // for literals
	plus bool  // for literals: non-synchronizing
}

// maxTokens bounds the tokens read from one line.
const maxTokens = 512

// tokens splits s into IMAP tokens, at most maxTokens. It is lenient: it
// reads anything, and an unterminated quoted string runs to the end.
func tokens(s string) []token {
	var out []token
	for i := 0; i < len(s) && len(out) < maxTokens; {
		switch c := s[i]; {
		case c == ' ':
			i++
		case c == '(':
			out = append(out, token{kind: tokOpen})
			i++
		case c == ')':
			out = append(out, token{kind: tokClose})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			out = append(out, token{kind: tokQuoted, text: b.String()})
			i = j + 1
		default:
			if n, plus, end, ok := literalAt(s, i); ok {
				out = append(out, token{kind: tokLiteral, n: n, plus: plus})
				i = end
				continue
			}
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '(' && s[j] != ')' && s[j] != '"' {
				if s[j] == '[' {
					// A section such as BODY[HEADER.FIELDS (FROM TO)]
					// belongs to its atom, spaces and parentheses
					// included.
					if k := strings.IndexByte(s[j:], ']'); k >= 0 {
						j += k + 1
						continue
					}
					j = len(s)
					break
				}
				j++
			}
			out = append(out, token{kind: tokAtom, text: s[i:j]})
			i = j
		}
	}
	return out
}

// literalAt reads a literal's announcement at s[i:]: "{n}", "{n+}" or the
// binary "~{n}" (RFC 9051 section 4.3, RFC 7888, RFC 3516).
func literalAt(s string, i int) (n int64, plus bool, end int, ok bool) {
	if i < len(s) && s[i] == '~' {
		i++
	}
	if i >= len(s) || s[i] != '{' {
		return 0, false, 0, false
	}
	j := i + 1
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i+1 || j-i-1 > 18 {
		return 0, false, 0, false
	}
	n, err := strconv.ParseInt(s[i+1:j], 10, 64)
	if err != nil {
		return 0, false, 0, false
	}
	if j < len(s) && s[j] == '+' {
		plus = true
		j++
	}
	if j >= len(s) || s[j] != '}' {
		return 0, false, 0, false
	}
	return n, plus, j + 1, true
}

// trailingLiteral reports whether the line ends by announcing a literal: its
// last token is a literal and nothing follows it.
func trailingLiteral(text string, toks []token) (n int64, plus, ok bool) {
	if len(toks) == 0 || !strings.HasSuffix(text, "}") {
		return 0, false, false
	}
	last := toks[len(toks)-1]
	if last.kind != tokLiteral {
		return 0, false, false
	}
	return last.n, last.plus, true
}

// skipGroup returns the index after the parenthesized group that opens at
// toks[i], calling visit for every atom inside it.
func skipGroup(toks []token, i int, visit func(token)) int {
	depth := 0
	for ; i < len(toks); i++ {
		switch toks[i].kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
			if depth <= 0 {
				return i + 1
			}
		default:
			if visit != nil {
				visit(toks[i])
			}
		}
	}
	return i
}

// fetchPairs reads the item-value pairs of a FETCH response (RFC 9051
// section 7.5.2) from toks, which begin with an item name, adds the entries
// of the items and of the flags they carry, and returns the name of the
// item whose value is a literal at the end of the line, or "".
func fetchPairs(toks []token, x *extras) (literalItem string) {
	for i := 0; i < len(toks); {
		name := toks[i]
		if name.kind != tokAtom {
			return ""
		}
		x.add(fetchItemIDs(name.text)...)
		i++
		if i >= len(toks) {
			return ""
		}
		switch v := toks[i]; v.kind {
		case tokOpen:
			isFlags := strings.EqualFold(name.text, "FLAGS")
			i = skipGroup(toks, i, func(t token) {
				if isFlags {
					addFlag(t, x)
				}
			})
		case tokLiteral:
			return name.text
		case tokClose:
			return ""
		default:
			i++
		}
	}
	return ""
}

// fetchItemIDs returns the entries of a FETCH data item, as a client asks
// for it or a server returns it (RFC 9051 section 6.4.5).
func fetchItemIDs(item string) []string {
	n := strings.ToUpper(item)
	if strings.HasSuffix(n, ">") {
		// A partial fetch: BODY[]<0.2048>.
		if i := strings.LastIndexByte(n, '<'); i > 0 {
			n = n[:i]
		}
	}
	section := func(s string) string {
		s = strings.TrimSuffix(s, "]")
		switch {
		case s == "":
			return "imap.item.BODY[]"
		case s == "HEADER":
			return "imap.item.BODY[HEADER]"
		case strings.HasPrefix(s, "HEADER.FIELDS"):
			return "imap.item.BODY[HEADER.FIELDS]"
		case s == "TEXT":
			return "imap.item.BODY[TEXT]"
		case isDigit(s[0]):
			return "imap.item.BODY[part]"
		}
		return "imap.item.BODY[]"
	}
	switch {
	case strings.HasPrefix(n, "BODY.PEEK["):
		return []string{"imap.item.BODY.PEEK[]", section(n[len("BODY.PEEK["):])}
	case strings.HasPrefix(n, "BODY["):
		return []string{section(n[len("BODY["):])}
	case strings.HasPrefix(n, "BINARY.SIZE["):
		return []string{"imap.item.BINARY.SIZE"}
	case strings.HasPrefix(n, "BINARY[") || strings.HasPrefix(n, "BINARY.PEEK["):
		return []string{"imap.item.BINARY[]"}
	}
	return []string{"imap.item." + n}
}

// literalPart says what the literal value of a FETCH item holds.
func literalPart(item string) part {
	n := strings.ToUpper(item)
	if strings.HasSuffix(n, ">") {
		return partData // a piece from some offset
	}
	n = strings.Replace(n, ".PEEK[", "[", 1)
	switch {
	case n == "BODY[]" || n == "RFC822" || n == "BINARY[]":
		return partMessage
	case n == "RFC822.HEADER" || strings.HasPrefix(n, "BODY[HEADER") ||
		strings.HasSuffix(n, ".MIME]") || strings.Contains(n, ".HEADER"):
		return partHeader
	case n == "RFC822.TEXT" || n == "BODY[TEXT]" || strings.HasSuffix(n, ".TEXT]"):
		return partBody
	}
	return partData
}

// flagIDs maps system flags, in lower case, to their entries (RFC 9051
// section 2.3.2).
var flagIDs = map[string]string{
	`\seen`:     "imap.flag.Seen",
	`\answered`: "imap.flag.Answered",
	`\flagged`:  "imap.flag.Flagged",
	`\deleted`:  "imap.flag.Deleted",
	`\draft`:    "imap.flag.Draft",
	`\recent`:   "imap.flag.Recent",
	`\*`:        "imap.flag.*",
}

// addFlag adds the entry of a flag token, if it is a system flag.
func addFlag(t token, x *extras) {
	if t.kind == tokAtom && strings.HasPrefix(t.text, `\`) {
		x.add(flagIDs[strings.ToLower(t.text)])
	}
}

// attrIDs maps mailbox attributes, in lower case, to their entries (RFC
// 9051 section 7.3.1, RFC 6154 section 2).
var attrIDs = map[string]string{
	`\noinferiors`:   "imap.attr.Noinferiors",
	`\noselect`:      "imap.attr.Noselect",
	`\nonexistent`:   "imap.attr.NonExistent",
	`\haschildren`:   "imap.attr.HasChildren",
	`\hasnochildren`: "imap.attr.HasNoChildren",
	`\marked`:        "imap.attr.Marked",
	`\unmarked`:      "imap.attr.Unmarked",
	`\subscribed`:    "imap.attr.Subscribed",
	`\remote`:        "imap.attr.Remote",
	`\all`:           "imap.attr.All",
	`\archive`:       "imap.attr.Archive",
	`\drafts`:        "imap.attr.Drafts",
	`\flagged`:       "imap.attr.Flagged",
	`\junk`:          "imap.attr.Junk",
	`\sent`:          "imap.attr.Sent",
	`\trash`:         "imap.attr.Trash",
}

// capIDs maps the capabilities whose entries are not named in upper case.
var capIDs = map[string]string{
	"IMAP4REV1": "imap.cap.IMAP4rev1",
	"IMAP4REV2": "imap.cap.IMAP4rev2",
}

// addCapabilities adds the entries of the capabilities named in list
// (RFC 9051 section 7.2.2): AUTH=X also adds the SASL mechanism X.
func addCapabilities(list string, x *extras) {
	for _, c := range fields(list) {
		c = strings.Trim(c, "()")
		if c == "" {
			continue
		}
		up := strings.ToUpper(c)
		if mech, ok := strings.CutPrefix(up, "AUTH="); ok {
			x.add("imap.cap.AUTH=")
			x.addFirst("sasl.mech."+mech, "sasl.mech.unknown")
			continue
		}
		name, _, _ := strings.Cut(up, "=")
		x.addFirst(capIDs[up], "imap.cap."+up, "imap.cap."+name, "imap.cap.unknown")
	}
}
