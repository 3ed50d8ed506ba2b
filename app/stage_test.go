package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

// TestStageNoOverlap lays out worlds of one to four domains, on a stage
// the size it has in a 1280×720 window, and checks that no two boxes
// overlap. The first domain's devices stand on the left, the others' on
// the right: three on a side fit.
func TestStageNoOverlap(t *testing.T) {
	a := newTestApp(t, sim.EN)
	for domains := 1; domains <= 4; domains++ {
		spec := &world.Spec{}
		for d := range domains {
			name := fmt.Sprintf("d%d.example", d)
			spec.Domains = append(spec.Domains, world.DomainSpec{Name: name, Server: "mail." + name})
			devices := 1
			if d == 0 || domains <= 2 {
				devices = 2
			}
			for k := range devices {
				spec.Devices = append(spec.Devices, world.DeviceSpec{
					ID: fmt.Sprintf("dev%d-%d", d, k), Kind: "laptop", Account: fmt.Sprintf("u%d@%s", k, name),
					Label: sim.Text{ES: "Portátil", EN: "Laptop"},
				})
			}
		}
		a.stage.setWorld(spec)
		r := a.stage.CreateRenderer().(*stageRenderer)
		r.Layout(fyne.NewSize(640, 260))
		ns := r.nodeSize()
		for i, p := range a.stage.nodes {
			for _, q := range a.stage.nodes[i+1:] {
				cp, cq := r.center(p), r.center(q)
				if abs(cp.X-cq.X) < ns.Width && abs(cp.Y-cq.Y) < ns.Height {
					t.Errorf("%d domains: %s at %v and %s at %v overlap (boxes %v)", domains, p.id, cp, q.id, cq, ns)
				}
			}
		}
	}
}

func abs(x float32) float32 { return max(x, -x) }
