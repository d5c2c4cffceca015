package nationalbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/config"
	"github.com/tonghop/tonghop/internal/node"
)

// runningNode is a tonghop node the benchmark started: a child process
// running `tonghop serve`, or a node in this process when no command to
// start one was given.
type runningNode struct {
	grpcAddr, httpAddr, peerAddr string

	// A child process.
	proc *child

	// In this process.
	stop func()
	done chan error
}

// freeAddr is a loopback address with a port free now. A child process
// cannot hand back the port it bound, so the port is chosen here; another
// program could take it in between, which would fail the start loudly.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startNode runs the node whose data directory is dir, with parent as its
// parent's peer address (empty at the root), and waits until it answers
// /healthz. serve is the command that runs `tonghop serve`; when it is empty
// the node runs in this process.
func startNode(ctx context.Context, serve []string, dir, parent string, log *zap.Logger) (*runningNode, error) {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Parent = parent
	cfg.Log.Level = "warn"
	var err error
	for _, a := range []*string{&cfg.GRPCListen, &cfg.HTTPListen, &cfg.PeerListen} {
		if *a, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	n := &runningNode{grpcAddr: cfg.GRPCListen, httpAddr: cfg.HTTPListen, peerAddr: cfg.PeerListen}
	if len(serve) == 0 {
		nd, err := node.New(cfg, node.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("starting the node of %s: %w", dir, err)
		}
		runCtx, cancel := context.WithCancel(context.Background())
		n.done = make(chan error, 1)
		go func() { n.done <- nd.Run(runCtx) }()
		n.stop = cancel
	} else {
		args := append(serve[1:len(serve):len(serve)], "serve",
			"--data-dir", dir, "--grpc-listen", cfg.GRPCListen, "--http-listen", cfg.HTTPListen,
			"--peer-listen", cfg.PeerListen, "--log-level", "warn")
		if parent != "" {
			args = append(args, "--parent", parent)
		}
		if n.proc, err = startChild(serve[0], args, filepath.Join(dir, "serve.log"), nil); err != nil {
			return nil, err
		}
	}
	if err := n.waitReady(ctx); err != nil {
		n.Stop()
		return nil, err
	}
	return n, nil
}

// waitReady polls /healthz until it answers 200, the node exits, or a
// minute passes.
func (n *runningNode) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	url := "http://" + n.httpAddr + "/healthz"
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var exited chan struct{} // nil, never ready, for a node in this process
	if n.proc != nil {
		exited = n.proc.exited
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node at %s not ready: %w%s", n.httpAddr, ctx.Err(), n.logTail())
		case <-exited:
			return fmt.Errorf("node at %s exited before it was ready%s", n.httpAddr, n.logTail())
		case err := <-n.done:
			return fmt.Errorf("node at %s stopped before it was ready: %v", n.httpAddr, err)
		case <-tick.C:
		}
	}
}

// logTail is the end of a child's log, for error messages.
func (n *runningNode) logTail() string {
	if n.proc == nil {
		return ""
	}
	return n.proc.logTail()
}

// Status reads a field of the child's /proc/PID/status in bytes (VmRSS,
// VmHWM), or of this process's when the node runs here.
func (n *runningNode) Status(field string) (int64, error) {
	pid := "self"
	if n.proc != nil {
		pid = strconv.Itoa(n.proc.cmd.Process.Pid)
	}
	return procStatus(pid, field)
}

// InProcess says whether the node runs in this process: its memory
// figures are then the whole benchmark's.
func (n *runningNode) InProcess() bool { return n.proc == nil }

// Stop stops the node gracefully (SIGTERM, or its context), and kills a
// child that has not stopped within 30 s.
func (n *runningNode) Stop() {
	if n.proc != nil {
		n.proc.stop(syscall.SIGTERM)
		return
	}
	if n.stop != nil {
		n.stop()
		<-n.done
		n.stop = nil
	}
}

// procStatus reads a "kB" field of /proc/PID/status, in bytes.
func procStatus(pid, field string) (int64, error) {
	return kbField("/proc/"+pid+"/status", field)
}

// kbField reads a "kB" field of a file of /proc, in bytes.
func kbField(path, field string) (int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("reading the memory of a process: %w", err)
	}
	for line := range bytes.Lines(raw) {
		rest, ok := bytes.CutPrefix(line, []byte(field+":"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s in %s: %w", field, path, err)
		}
		return kb << 10, nil
	}
	return 0, errors.New(field + " not in " + path)
}

// CPU is the CPU time (user and system) the node's process has used: this
// process's when the node runs here.
func (n *runningNode) CPU() (time.Duration, error) {
	if n.proc == nil {
		return selfCPU()
	}
	pid := n.proc.cmd.Process.Pid
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	// After "pid (comm) ": state is field 3, utime 14 and stime 15, in
	// the kernel's USER_HZ of 100 ticks a second.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("CPU time of process %d: a short /proc/%d/stat", pid, pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// selfCPU is the CPU time this process has used.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("CPU time of the benchmark: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
