package lessons

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mailscope/mailscope/sim"
	"github.com/mailscope/mailscope/sim/world"
)

const schemaFile = "lesson.schema.json"

// loadSchema returns the schema file as plain JSON values.
func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	return doc
}

// compileSchema compiles the schema file as a 2020-12 schema.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaFile, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaFile)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// asJSON converts a YAML document to the JSON values a schema validates.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemaMatchesTypes walks the Go types a lesson decodes into beside
// the schema, so that neither can gain, lose or rename a key without the
// other: every struct is an object that admits no other keys, with exactly
// the struct's keys, each of the matching JSON type.
func TestSchemaMatchesTypes(t *testing.T) {
	doc := loadSchema(t)
	defs, _ := doc["$defs"].(map[string]any)
	resolve := func(n map[string]any) map[string]any {
		for {
			ref, ok := n["$ref"].(string)
			if !ok {
				return n
			}
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			def, _ := defs[name].(map[string]any)
			if !ok || def == nil {
				t.Fatalf("dangling $ref %s", ref)
			}
			n = def
		}
	}
	var walk func(path string, typ reflect.Type, n map[string]any)
	walk = func(path string, typ reflect.Type, n map[string]any) {
		n = resolve(n)
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		want := map[reflect.Kind]string{reflect.String: "string", reflect.Int: "integer", reflect.Int64: "integer", reflect.Uint64: "integer", reflect.Bool: "boolean", reflect.Slice: "array", reflect.Struct: "object"}[typ.Kind()]
		scalar := reflect.PointerTo(typ).Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
		if scalar { // a duration, a time: written as a string
			want = "string"
		}
		switch typ {
		case reflect.TypeFor[sim.Text]():
			if n["properties"].(map[string]any)["es"] == nil {
				t.Errorf("%s: a text is not the text definition", path)
			}
		}
		if got, ok := n["type"].(string); ok && got != want {
			t.Errorf("%s: the schema says %s, the Go type %s is %s", path, got, typ, want)
		} else if !ok && n["enum"] == nil {
			t.Errorf("%s: the schema gives neither a type nor an enum", path)
		}
		switch {
		case typ.Kind() == reflect.Slice:
			items, _ := n["items"].(map[string]any)
			if items == nil {
				t.Errorf("%s: an array without items", path)
				return
			}
			walk(path+"[]", typ.Elem(), items)
		case typ.Kind() == reflect.Struct && !scalar:
			if n["additionalProperties"] != false {
				t.Errorf("%s: the schema admits unknown keys, the loader does not", path)
			}
			props, _ := n["properties"].(map[string]any)
			var keys []string
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if !f.IsExported() || key == "" || key == "-" {
					continue
				}
				keys = append(keys, key)
				p, _ := props[key].(map[string]any)
				if p == nil {
					t.Errorf("%s: the Go type has key %q, the schema does not", path, key)
					continue
				}
				walk(path+"."+key, f.Type, p)
			}
			for key := range props {
				if !slices.Contains(keys, key) {
					t.Errorf("%s: the schema has key %q, the Go type %s does not", path, key, typ)
				}
			}
			req, _ := n["required"].([]any)
			for _, r := range req {
				if !slices.Contains(keys, r.(string)) {
					t.Errorf("%s: required key %v is not a key", path, r)
				}
			}
		}
	}
	walk("$", reflect.TypeFor[world.Script](), doc)
}

// TestSchemaEnums checks the schema's lists of choices against the
// loader's.
func TestSchemaEnums(t *testing.T) {
	defs := loadSchema(t)["$defs"].(map[string]any)
	enum := func(def, prop string) []string {
		return enumOf(defs[def].(map[string]any)["properties"].(map[string]any)[prop])
	}
	doc := loadSchema(t)
	var levels []string
	for _, v := range doc["properties"].(map[string]any)["level"].(map[string]any)["enum"].([]any) {
		levels = append(levels, v.(string))
	}
	for _, tc := range []struct {
		name      string
		got, want []string
	}{
		{"level", levels, world.Levels},
		{"imap op", enum("imap", "op"), world.IMAPOps},
		{"pop3 op", enum("pop3", "op"), world.POP3Ops},
		{"reads", enum("device", "reads"), []string{world.ReadsIMAP, world.ReadsPOP3, world.ReadsPOP3Keep}},
		{"kind", enum("device", "kind"), []string{world.Laptop, world.Phone}},
		{"server state", enum("server", "state"), world.ServerStates},
		{"server cert", enum("server", "cert"), world.ServerCerts},
		{"server reply", enum("server", "reply"), ints(world.ServerReplies)},
		{"tls", enumOf(defs["tls"]), world.TLSModes},
		{"auth", enum("send", "auth"), []string{world.AuthPlain, world.AuthLogin}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: the schema lists %v, the loader %v", tc.name, tc.got, tc.want)
		}
	}
}

// enumOf returns the choices of a schema's enum, as text.
func enumOf(def any) []string {
	var out []string
	for _, v := range def.(map[string]any)["enum"].([]any) {
		out = append(out, fmt.Sprint(v))
	}
	return out
}

func ints(l []int) []string {
	out := make([]string, len(l))
	for i, n := range l {
		out[i] = fmt.Sprint(n)
	}
	return out
}

// TestSchemaValidates checks that every built-in lesson is valid against
// the schema, and that the schema rejects mistakes an editor should
// underline.
func TestSchemaValidates(t *testing.T) {
	s := compileSchema(t)
	for _, id := range IDs() {
		data, err := BuiltinData(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(asJSON(t, data)); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if err := s.Validate(asJSON(t, []byte(good))); err != nil {
		t.Errorf("good: %v", err)
	}
	server := strings.Replace(good, "imap: {device: beto-laptop, op: select, mailbox: INBOX}", "server: {name: mail.otro.org, fail: 2, reply: 421, cert: self-signed}", 1)
	if err := s.Validate(asJSON(t, []byte(server))); err != nil {
		t.Errorf("a server action: %v", err)
	}
	for _, tc := range []struct{ name, yaml string }{
		{"unknown key", strings.Replace(good, "subject:", "subjet:", 1)},
		{"missing translation", strings.Replace(good, `en: "Hello"`, `en: ""`, 1)},
		{"unknown op", strings.Replace(good, "op: select", "op: open", 1)},
		{"two actions in one", strings.Replace(good, "      - imap:", "        imap:", 1)},
		{"no steps", "id: x\ntitle: {es: a, en: b}\nsteps: []\n"},
		{"bad recipient", strings.Replace(good, "to: [beto@otro.org]", "to: [beto]", 1)},
		{"server action of nothing", strings.Replace(good, "imap: {device: beto-laptop, op: select, mailbox: INBOX}", "server: {name: mail.otro.org}", 1)},
		{"server reply without fail", strings.Replace(good, "imap: {device: beto-laptop, op: select, mailbox: INBOX}", "server: {name: mail.otro.org, state: up, reply: 421}", 1)},
		{"unknown server state", strings.Replace(good, "imap: {device: beto-laptop, op: select, mailbox: INBOX}", "server: {name: mail.otro.org, state: off}", 1)},
	} {
		if err := s.Validate(asJSON(t, []byte(tc.yaml))); err == nil {
			t.Errorf("%s: the schema accepts it", tc.name)
		}
	}
}

// TestReadmeExample checks the complete lesson the README teaches with:
// it passes mailscope check, and the schema its first line names accepts it.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- example lesson: the tests check it -->\n```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("the README has no example lesson")
	}
	if !strings.HasPrefix(example, "# yaml-language-server: $schema=lesson.schema.json\n") {
		t.Error("the example does not name the schema on its first line")
	}
	if err := Check("README.md", []byte(example)); err != nil {
		t.Errorf("mailscope check fails on the README's example:\n%v", err)
	}
	if err := compileSchema(t).Validate(asJSON(t, []byte(example))); err != nil {
		t.Errorf("the schema rejects the README's example: %v", err)
	}
}

// TestSchemaDescriptionsBilingual checks that every description in the
// schema is said in Spanish and then in English: "español / English".
func TestSchemaDescriptionsBilingual(t *testing.T) {
	n := 0
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "description" {
					n++
					es, en, ok := strings.Cut(s, " / ")
					if !ok || strings.TrimSpace(es) == "" || strings.TrimSpace(en) == "" || strings.Contains(en, " / ") {
						t.Errorf("%s: description %q is not \"español / English\"", path, s)
					}
					continue
				}
				walk(x, path+"."+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(loadSchema(t), "$")
	if n < 50 {
		t.Errorf("the schema has %d descriptions, want every property described", n)
	}
}
