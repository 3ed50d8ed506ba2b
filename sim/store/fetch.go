package store

import (
	"bufio"
	"bytes"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// writeFetch writes one FETCH response.
func writeFetch(w *imapserver.FetchWriter, f *fetched, options *imap.FetchOptions) error {
	msg := f.msg
	rw := w.CreateMessage(f.seq)
	if options.UID {
		rw.WriteUID(msg.uid)
	}
	if options.Flags || f.seen {
		rw.WriteFlags(f.flags)
	}
	if options.InternalDate {
		rw.WriteInternalDate(msg.date)
	}
	if options.RFC822Size {
		rw.WriteRFC822Size(int64(len(msg.raw)))
	}
	if options.Envelope {
		rw.WriteEnvelope(envelope(msg.raw))
	}
	if options.BodyStructure != nil {
		rw.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(msg.raw)))
	}
	for _, bs := range options.BodySection {
		buf := imapserver.ExtractBodySection(bytes.NewReader(msg.raw), bs)
		if err := writeAll(rw.WriteBodySection(bs, int64(len(buf))), buf); err != nil {
			return err
		}
	}
	for _, bs := range options.BinarySection {
		buf := imapserver.ExtractBinarySection(bytes.NewReader(msg.raw), bs)
		if err := writeAll(rw.WriteBinarySection(bs, int64(len(buf))), buf); err != nil {
			return err
		}
	}
	for _, bss := range options.BinarySectionSize {
		rw.WriteBinarySectionSize(bss, imapserver.ExtractBinarySectionSize(bytes.NewReader(msg.raw), bss))
	}
	return rw.Close()
}

type writeCloser interface {
	Write([]byte) (int, error)
	Close() error
}

func writeAll(wc writeCloser, b []byte) error {
	_, werr := wc.Write(b)
	cerr := wc.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

func envelope(raw []byte) *imap.Envelope {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil && h.Len() == 0 {
		return &imap.Envelope{}
	}
	return imapserver.ExtractEnvelope(h)
}

// sortList sorts LIST responses by name, INBOX first.
func sortList(l []imap.ListData) {
	slices.SortFunc(l, func(a, b imap.ListData) int {
		switch {
		case a.Mailbox == b.Mailbox:
			return 0
		case a.Mailbox == Inbox:
			return -1
		case b.Mailbox == Inbox:
			return 1
		}
		return strings.Compare(a.Mailbox, b.Mailbox)
	})
}
