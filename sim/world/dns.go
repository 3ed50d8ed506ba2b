package world

import (
	"fmt"
	"strings"
	"sync"

	"github.com/mailscope/mailscope/sim"
)

// DNS is the world's name service: A records for every host, their reverse
// (PTR) records, and an MX record for every mail domain. Lookups made by
// servers are recorded in the trace.
type DNS struct {
	trace *sim.Trace // immutable; may be nil

	mu  sync.Mutex
	a   map[string]string   // host name -> IP
	ptr map[string]string   // IP -> host name
	mx  map[string][]string // domain -> exchangers, most preferred first
}

func newDNS(trace *sim.Trace) *DNS {
	return &DNS{trace: trace, a: make(map[string]string), ptr: make(map[string]string), mx: make(map[string][]string)}
}

// AddHost adds an A record and its PTR.
func (d *DNS) AddHost(name, ip string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.a[name] = ip
	d.ptr[ip] = name
}

// AddMX adds an exchanger for a domain.
func (d *DNS) AddMX(domain, host string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mx[domain] = append(d.mx[domain], host)
}

// IP returns the address of a host, or "".
func (d *DNS) IP(host string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.a[host]
}

// PTR returns the host name of an address, or "".
func (d *DNS) PTR(ip string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ptr[ip]
}

// LookupMX returns the exchangers of domain and records that asker asked.
func (d *DNS) LookupMX(asker, domain string) ([]string, error) {
	domain = strings.ToLower(domain)
	d.mu.Lock()
	answer := append([]string(nil), d.mx[domain]...)
	d.mu.Unlock()
	if d.trace != nil {
		text := fmt.Sprintf("dns %s: MX %s? -> %s", asker, domain, strings.Join(answer, ", "))
		if len(answer) == 0 {
			text = fmt.Sprintf("dns %s: MX %s? -> no such domain", asker, domain)
		}
		d.trace.Append(sim.Event{Kind: sim.KindDNS, Text: text, DNS: &sim.Lookup{Host: asker, Type: "MX", Name: domain, Answer: answer}})
	}
	if len(answer) == 0 {
		return nil, fmt.Errorf("%s: no such domain (NXDOMAIN)", domain)
	}
	return answer, nil
}
