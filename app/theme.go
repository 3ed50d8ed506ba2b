package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/mailscope/mailscope/sim"
)

// appTheme is Fyne's default theme in a fixed variant (light or dark,
// whatever the desktop prefers) with every size multiplied by the presenter
// scale, so that text and stage grow together for a projector.
type appTheme struct {
	base    fyne.Theme
	variant fyne.ThemeVariant
	scale   float32
}

var _ fyne.Theme = (*appTheme)(nil)

func newTheme(dark bool, scale float32) *appTheme {
	v := theme.VariantLight
	if dark {
		v = theme.VariantDark
	}
	return &appTheme{base: theme.DefaultTheme(), variant: v, scale: scale}
}

func (t *appTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.base.Color(n, t.variant)
}

func (t *appTheme) Font(s fyne.TextStyle) fyne.Resource     { return t.base.Font(s) }
func (t *appTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }
func (t *appTheme) Size(n fyne.ThemeSizeName) float32       { return t.base.Size(n) * t.scale }

func (t *appTheme) dark() bool { return t.variant == theme.VariantDark }

// The presenter scales the user can choose.
const (
	minScale  = 1.0
	maxScale  = 2.5
	scaleStep = 0.25
)

// protoColor is the colour of a protocol, the same in every view: tokens,
// edges, transcript labels. They are from the Okabe–Ito palette, which
// people with colour-blindness tell apart, darkened so that white text on
// them stays readable on a projector.
func protoColor(p sim.Proto) color.NRGBA {
	switch p {
	case sim.SMTP:
		return color.NRGBA{R: 0xB8, G: 0x52, B: 0x00, A: 0xFF} // vermillion-orange
	case sim.IMAP:
		return color.NRGBA{R: 0x0B, G: 0x5F, B: 0xA5, A: 0xFF} // blue
	case sim.POP3:
		return color.NRGBA{R: 0x00, G: 0x73, B: 0x55, A: 0xFF} // bluish green
	}
	return color.NRGBA{R: 0x60, G: 0x60, B: 0x60, A: 0xFF}
}

// wireColor is the colour of a TLS record, as an eavesdropper sees it: the
// same for every protocol, since nothing in a record says which it
// carries.
var wireColor = color.NRGBA{R: 0x5F, G: 0x63, B: 0x68, A: 0xFF}

// faded returns c with its alpha scaled by f.
func faded(c color.NRGBA, f float32) color.NRGBA {
	c.A = uint8(float32(c.A) * f)
	return c
}

// changeColor is the highlight of a mailbox row changed in the current
// step, by what happened to it.
func changeColor(op sim.Op) color.NRGBA {
	switch op {
	case sim.OpAppend, sim.OpQueueAdd, sim.OpMailboxCreate:
		return color.NRGBA{R: 0x2E, G: 0xA0, B: 0x43, A: 0x55} // arrived: green
	case sim.OpFlags, sim.OpDeviceFlags:
		return color.NRGBA{R: 0xE6, G: 0xB4, B: 0x00, A: 0x60} // flag changed: yellow
	case sim.OpExpunge, sim.OpQueueRemove, sim.OpDeviceRemove, sim.OpMailboxDelete:
		return color.NRGBA{R: 0xD0, G: 0x30, B: 0x30, A: 0x50} // removed: red
	case sim.OpDeviceAdd:
		return color.NRGBA{R: 0x0B, G: 0x5F, B: 0xA5, A: 0x45} // downloaded: blue
	}
	return color.NRGBA{}
}
