package nationalbench

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// child is a process the benchmark started, its output in a log file: a
// node or PostgreSQL.
type child struct {
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

// startChild starts name with args in a process group of its own (a
// Ctrl-C at the terminal reaches the benchmark, which stops its children in
// order), as the user cred names (nil: this process's).
func startChild(name string, args []string, log string, cred *syscall.Credential) (*child, error) {
	out, err := os.Create(log)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	c := &child{cmd: exec.Command(name, args...), log: log, exited: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = out, out
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() {
		c.cmd.Wait()
		out.Close()
		close(c.exited)
	}()
	return c, nil
}

// logTail is the end of the child's log, for error messages.
func (c *child) logTail() string {
	raw, err := os.ReadFile(c.log)
	if err != nil || len(raw) == 0 {
		return ""
	}
	return "; its log ends: " + string(raw[max(0, len(raw)-2000):])
}

// stop sends sig (the child's graceful stop), and kills a child that has not
// exited 30 s later.
func (c *child) stop(sig os.Signal) {
	select {
	case <-c.exited:
		return
	default:
	}
	c.cmd.Process.Signal(sig)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}
