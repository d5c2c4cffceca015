package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tonghop/tonghop/internal/config"
)

// splitWords splits a shell command line into words, honouring single and
// double quotes: enough for the documented command lines, which use no
// other shell syntax inside a tonghop command.
func splitWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// commandLines finds the tonghop command lines of a text file: in shell
// code (a README's sh blocks, a file's comments), after a "tonghop" word,
// with continuation lines joined and trailing comments cut.
func commandLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The last "tonghop" word followed by a command word: "sudo -u
	// tonghop tonghop init …" is init, "-g tonghop deploy/…" none.
	cmdAt := regexp.MustCompile(`^(?:.*[\s(])?tonghop ([a-z][a-z-]*(?:\s.*)?)$`)
	comment := regexp.MustCompile(`\s{2,}#.*$|\s#\s.*$`)
	var out []string
	var pending string
	sc := bufio.NewScanner(f)
	inSh := !strings.HasSuffix(path, ".md")
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(path, ".md") && strings.HasPrefix(line, "```") {
			inSh = strings.HasPrefix(line, "```sh")
			continue
		}
		if !inSh {
			continue
		}
		line = strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(line), "#"), " ")
		if pending != "" {
			line = pending + " " + line
			pending = ""
		}
		if strings.HasSuffix(line, `\`) {
			pending = strings.TrimSuffix(line, `\`)
			continue
		}
		m := cmdAt.FindStringSubmatch(comment.ReplaceAllString(line, ""))
		if m == nil {
			continue
		}
		rest := m[1]
		rest = strings.SplitN(rest, ")", 2)[0] // inside $(…)
		out = append(out, rest)
	}
	return out
}

// checkLine parses one documented command line with the real command tree:
// the command must exist and every flag must be one of its flags.
func checkLine(t *testing.T, where, line string, args []string, positional bool) {
	t.Helper()
	root := New(IO{})
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Errorf("%s: %q: no such command (%v)", where, line, err)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %q: %v", where, line, err)
		return
	}
	if positional && cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: %q: %v", where, line, err)
		}
	}
}

// TestDocumentedCommandLines: every tonghop command line in the README and
// in deploy/ names a command that exists with flags it has.
func TestDocumentedCommandLines(t *testing.T) {
	total := 0
	for _, path := range []string{"../../README.md", "../../deploy/README.md", "../../deploy/tonghop.service", "../../deploy/compose.yaml", "../../deploy/province.yaml"} {
		for _, line := range commandLines(t, path) {
			total++
			checkLine(t, filepath.Base(path), line, splitWords(line), !strings.HasSuffix(path, "/README.md") || strings.Contains(path, "deploy"))
		}
	}
	// Commands quoted in the prose of deploy/README.md, as `tonghop …`.
	raw, err := os.ReadFile("../../deploy/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("`tonghop ([^`]+)`").FindAllStringSubmatch(string(raw), -1) {
		total++
		checkLine(t, "deploy/README.md prose", m[1], splitWords(m[1]), false)
	}
	// The commands compose runs and the image's default command.
	var compose struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	raw, err = os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	for name, s := range compose.Services {
		if len(s.Command) > 0 {
			total++
			checkLine(t, "compose.yaml "+name, strings.Join(s.Command, " "), s.Command, true)
		}
	}
	unit, err := os.ReadFile("../../deploy/tonghop.service")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^ExecStart=\S+ (.*)$`).FindSubmatch(unit); m != nil {
		total++
		checkLine(t, "tonghop.service ExecStart", string(m[1]), splitWords(string(m[1])), true)
	} else {
		t.Error("tonghop.service has no ExecStart")
	}
	if total < 40 {
		t.Errorf("only %d command lines found: the extraction is broken", total)
	}
	t.Logf("%d documented command lines checked", total)
}

// TestDeployWalkthroughs checks what the deploy files promise beyond flags:
// a child is prepared with its parent and enrolled before it serves, every
// curl sends a token, and nothing runs a shell tool inside the image, which
// has none.
func TestDeployWalkthroughs(t *testing.T) {
	for _, path := range []string{"../../deploy/tonghop.service", "../../deploy/README.md"} {
		lines := commandLines(t, path)
		initParent, enroll := false, false
		for _, l := range lines {
			initParent = initParent || strings.HasPrefix(l, "init ") && strings.Contains(l, "--parent ")
			enroll = enroll || initParent && strings.HasPrefix(l, "enroll ")
		}
		if !initParent || !enroll {
			t.Errorf("%s: a child's walkthrough needs init --parent then enroll; has %q", path, lines)
		}
	}
	raw, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, "curl ") && !strings.Contains(line, "Authorization: Bearer") {
			t.Errorf("compose.yaml: %q calls the API without a token", strings.TrimSpace(line))
		}
		if regexp.MustCompile(`exec\s.*\b(cat|sh|ls)\b`).MatchString(line) && !strings.Contains(line, "$(cat ") {
			t.Errorf("compose.yaml: %q runs a shell tool in a distroless image", strings.TrimSpace(line))
		}
	}
}

// TestEveryConfigKeyHasAFlag: the README promises that every key of the
// configuration can be overridden by the serve flag of the same name.
func TestEveryConfigKeyHasAFlag(t *testing.T) {
	serve, _, err := New(IO{}).Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := prefix + strings.Split(f.Tag.Get("yaml"), ",")[0]
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath() {
				walk(f.Type, name+".")
				continue
			}
			keys = append(keys, name)
		}
	}
	walk(reflect.TypeOf(config.Config{}), "")
	if len(keys) < 13 {
		t.Fatalf("configuration keys %v", keys)
	}
	for _, key := range keys {
		flag := strings.NewReplacer("_", "-", ".", "-").Replace(key)
		if serve.Flags().Lookup(flag) == nil {
			t.Errorf("configuration key %s has no serve flag --%s", key, flag)
		}
	}
}
