package store

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Search returns the messages of the selected mailbox that match criteria
// (RFC 9051 section 6.4.4).
func (s *Session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	s.staticCriteriaLocked(criteria)

	var (
		data   imap.SearchData
		seqSet imap.SeqSet
		uidSet imap.UIDSet
	)
	for i, msg := range s.mbox.msgs {
		seq := s.view.EncodeSeqNum(uint32(i) + 1)
		if seq == 0 || !matches(msg, seq, criteria) {
			continue
		}
		uidSet.AddNum(msg.uid)
		num := seq
		if kind == imapserver.NumKindUID {
			num = uint32(msg.uid)
		} else {
			seqSet.AddNum(seq)
		}
		if data.Min == 0 || num < data.Min {
			data.Min = num
		}
		if num > data.Max {
			data.Max = num
		}
		data.Count++
	}
	if kind == imapserver.NumKindUID {
		data.All = uidSet
	} else {
		data.All = seqSet
	}
	if options.ReturnSave {
		s.searchRes = uidSet
	}
	return &data, nil
}

func (s *Session) staticCriteriaLocked(c *imap.SearchCriteria) {
	seqs := make([]imap.SeqSet, 0, len(c.SeqNum))
	for _, set := range c.SeqNum {
		switch set := s.staticNumSetLocked(set).(type) {
		case imap.SeqSet:
			seqs = append(seqs, set)
		case imap.UIDSet: // "$" saved by an earlier search
			c.UID = append(c.UID, set)
		}
	}
	c.SeqNum = seqs
	for i, set := range c.UID {
		c.UID[i] = s.staticNumSetLocked(set).(imap.UIDSet)
	}
	for i := range c.Not {
		s.staticCriteriaLocked(&c.Not[i])
	}
	for i := range c.Or {
		s.staticCriteriaLocked(&c.Or[i][0])
		s.staticCriteriaLocked(&c.Or[i][1])
	}
}

func matches(msg *Message, seq uint32, c *imap.SearchCriteria) bool {
	for _, set := range c.SeqNum {
		if !set.Contains(seq) {
			return false
		}
	}
	for _, set := range c.UID {
		if !set.Contains(msg.uid) {
			return false
		}
	}
	if !matchDate(msg.date, c.Since, c.Before) {
		return false
	}
	for _, f := range c.Flag {
		if !hasFlag(msg.flags, f) {
			return false
		}
	}
	for _, f := range c.NotFlag {
		if hasFlag(msg.flags, f) {
			return false
		}
	}
	size := int64(len(msg.raw))
	if c.Larger != 0 && size <= c.Larger || c.Smaller != 0 && size >= c.Smaller {
		return false
	}
	if len(c.Header) > 0 || !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		e, err := gomessage.Read(bytes.NewReader(msg.raw))
		if e == nil {
			return false
		}
		_ = err // a message with an unknown charset still has a header
		h := mail.Header{Header: e.Header}
		for _, fc := range c.Header {
			if !matchFields(h.FieldsByKey(fc.Key), fc.Value) {
				return false
			}
		}
		if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
			t, err := h.Date()
			if err != nil || !matchDate(t, c.SentSince, c.SentBefore) {
				return false
			}
		}
	}
	for _, text := range c.Text {
		if !matchEntity(msg.raw, text, true) {
			return false
		}
	}
	for _, body := range c.Body {
		if !matchEntity(msg.raw, body, false) {
			return false
		}
	}
	for i := range c.Not {
		if matches(msg, seq, &c.Not[i]) {
			return false
		}
	}
	for i := range c.Or {
		if !matches(msg, seq, &c.Or[i][0]) && !matches(msg, seq, &c.Or[i][1]) {
			return false
		}
	}
	return true
}

// matchDate compares dates without their time and zone, as RFC 9051
// requires.
func matchDate(t, since, before time.Time) bool {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && t.Before(since) {
		return false
	}
	if !before.IsZero() && !t.Before(before) {
		return false
	}
	return true
}

func matchFields(fields gomessage.HeaderFields, pattern string) bool {
	if pattern == "" {
		return fields.Len() > 0
	}
	pattern = strings.ToLower(pattern)
	for fields.Next() {
		v, _ := fields.Text()
		if strings.Contains(strings.ToLower(v), pattern) {
			return true
		}
	}
	return false
}

func matchEntity(raw []byte, pattern string, withHeader bool) bool {
	e, _ := gomessage.Read(bytes.NewReader(raw))
	if e == nil {
		return false
	}
	return matchPart(e, pattern, withHeader)
}

func matchPart(e *gomessage.Entity, pattern string, withHeader bool) bool {
	if pattern == "" {
		return true
	}
	if withHeader && matchFields(e.Header.Fields(), pattern) {
		return true
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err != nil {
				return false
			}
			if matchPart(part, pattern, withHeader) {
				return true
			}
		}
	}
	t, _, err := e.Header.ContentType()
	if err != nil || !strings.HasPrefix(t, "text/") && !strings.HasPrefix(t, "message/") {
		return false
	}
	b, err := io.ReadAll(e.Body)
	if err != nil {
		return false
	}
	return bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(pattern)))
}
