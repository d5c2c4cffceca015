package nationalbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/tonghop/tonghop/internal/hierarchy"
)

// PGConfig says how to run the PostgreSQL the benchmark compares with.
type PGConfig struct {
	// Off leaves PostgreSQL out.
	Off bool
	// BinDir holds initdb and postgres; empty searches PATH, then
	// /usr/lib/postgresql/*/bin (where Debian's packages put them).
	BinDir string
	// User is the account PostgreSQL runs as when the benchmark runs as
	// root, which PostgreSQL refuses; empty means "postgres".
	User string
	// Settings override DefaultPGSettings, as postgres -c name=value.
	Settings map[string]string
}

// DefaultPGSettings make PostgreSQL a strong competitor on a 2-core,
// 24 GiB machine: memory for the whole data set, bulk loading without WAL
// (wal_level minimal and COPY into a table created in the same
// transaction), no commit waits (synchronous_commit off; fsync stays on, as
// tonghop's commits are durable), SSD costs, and no JIT, which costs more
// than it saves on queries of a millisecond.
func DefaultPGSettings() map[string]string {
	return map[string]string{
		"shared_buffers":                   "4GB",
		"effective_cache_size":             "16GB",
		"work_mem":                         "256MB",
		"maintenance_work_mem":             "2GB",
		"synchronous_commit":               "off",
		"wal_level":                        "minimal",
		"max_wal_senders":                  "0",
		"max_wal_size":                     "16GB",
		"checkpoint_timeout":               "1h",
		"random_page_cost":                 "1.1",
		"jit":                              "off",
		"max_parallel_workers_per_gather":  "2",
		"max_parallel_maintenance_workers": "2",
	}
}

// pgBinaries finds initdb and postgres, or says why not.
func pgBinaries(dir string) (initdb, postgres, skip string) {
	if dir != "" {
		initdb, postgres = filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres")
		if _, err := os.Stat(initdb); err != nil {
			return "", "", fmt.Sprintf("no initdb in %s", dir)
		}
		return initdb, postgres, ""
	}
	i, err1 := exec.LookPath("initdb")
	p, err2 := exec.LookPath("postgres")
	if err1 == nil && err2 == nil {
		return i, p, ""
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// The newest major version: the names sort numerically only when they
	// have as many digits, which holds from 10 to 99.
	slices.Sort(dirs)
	for _, d := range slices.Backward(dirs) {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return filepath.Join(d, "initdb"), filepath.Join(d, "postgres"), ""
		}
	}
	return "", "", "PostgreSQL is not installed (no initdb and postgres on PATH nor in /usr/lib/postgresql/*/bin)"
}

// pgServer is a PostgreSQL server the benchmark started in a temporary
// directory, listening on a Unix socket there only, and a connection to it.
type pgServer struct {
	dir  string
	proc *child
	conn *pgx.Conn
	log  *zap.Logger
}

// startPG initialises a cluster in a new temporary directory, starts it
// and connects. skip is set, and the error nil, when PostgreSQL cannot run
// here at all.
func startPG(ctx context.Context, cfg PGConfig, log *zap.Logger) (*pgServer, string, error) {
	initdb, postgres, skip := pgBinaries(cfg.BinDir)
	if skip != "" {
		return nil, skip, nil
	}
	// PostgreSQL refuses to run as root: as root, run it as another user.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		name := cfg.User
		if name == "" {
			name = "postgres"
		}
		u, err := user.Lookup(name)
		if err != nil {
			return nil, fmt.Sprintf("running as root, and no user %q to run PostgreSQL as: %v", name, err), nil
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "tonghop-bench-pg-")
	if err != nil {
		return nil, "", fmt.Errorf("PostgreSQL directory: %w", err)
	}
	s := &pgServer{dir: dir, log: log}
	started := false
	defer func() {
		if !started {
			s.Stop()
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, "", fmt.Errorf("giving %s to the PostgreSQL user: %w", dir, err)
		}
	}
	data := filepath.Join(dir, "data")
	cmd := exec.CommandContext(ctx, initdb, "-D", data, "-U", "bench", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("initdb: %w: %s", err, out)
	}

	settings := DefaultPGSettings()
	maps.Copy(settings, cfg.Settings)
	settings["listen_addresses"] = "" // no TCP: the Unix socket only
	settings["unix_socket_directories"] = dir
	args := []string{"-D", data}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", k+"="+settings[k])
	}
	// The benchmark opens the log; PostgreSQL writes through the descriptor
	// it inherits, whichever user it runs as.
	if s.proc, err = startChild(postgres, args, filepath.Join(dir, "postgres.log"), cred); err != nil {
		return nil, "", err
	}
	if err := s.connect(ctx); err != nil {
		return nil, "", err
	}
	started = true
	return s, "", nil
}

// connect tries to connect until the server accepts, exits, or a minute
// passes.
func (s *pgServer) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cfg, err := pgx.ParseConfig("user=bench dbname=postgres host=" + s.dir)
	if err != nil {
		return err
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			s.conn = conn
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("PostgreSQL did not accept connections: %w (last: %v)%s", ctx.Err(), err, s.proc.logTail())
		case <-s.proc.exited:
			return fmt.Errorf("postgres exited%s", s.proc.logTail())
		case <-tick.C:
		}
	}
}

// Stop closes the connection, stops the server (a fast shutdown, then a
// kill after 30 s) and removes its directory.
func (s *pgServer) Stop() {
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.conn.Close(ctx)
		cancel()
		s.conn = nil
	}
	if s.proc != nil {
		s.proc.stop(syscall.SIGINT) // a fast shutdown
		s.proc = nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		s.log.Warn("removing PostgreSQL's directory", zap.String("dir", s.dir), zap.Error(err))
	}
}

// pgLoad is how long each step of loading took, and the space it takes.
type pgLoad struct {
	// copy, indexes and vacuum are the bulk load of the rounds before the
	// last: COPY into a new table, the indexes, VACUUM ANALYZE.
	copy, indexes, vacuum time.Duration
	// round is the last round COPYed into the indexed table, as a yearly
	// round arrives; roundVacuum the VACUUM ANALYZE after it, so that the
	// queries can be index-only.
	round, roundVacuum     time.Duration
	tableBytes, indexBytes int64
}

func (l pgLoad) total() time.Duration {
	return l.copy + l.indexes + l.vacuum + l.round + l.roundVacuum
}

// The fact table and its two covering indexes.
const factTable = `CREATE TABLE fact (
		element  text   NOT NULL,
		option   text   NOT NULL,
		period   int    NOT NULL,
		province text   NOT NULL,
		district text   NOT NULL,
		commune  text   NOT NULL,
		value    bigint NOT NULL)`

func factIndexes() []string {
	return []string{
		`CREATE INDEX fact_by_period ON fact (element, option, period, province, district) INCLUDE (commune, value)`,
		`CREATE INDEX fact_by_province ON fact (element, option, province, period, district) INCLUDE (commune, value)`,
	}
}

// load creates the fact table and loads history, rows in COPY's text
// format, the fast way: COPY in the transaction that created the table (no
// WAL), then the two covering indexes, then VACUUM ANALYZE. It then adds
// the last round as a yearly round arrives (addRound).
func (s *pgServer) load(ctx context.Context, history, last []byte) (pgLoad, error) {
	var l pgLoad
	t := time.Now()
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return l, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, factTable); err != nil {
		return l, fmt.Errorf("creating the fact table: %w", err)
	}
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(history), "COPY fact FROM STDIN"); err != nil {
		return l, fmt.Errorf("COPY: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return l, err
	}
	l.copy = time.Since(t)
	t = time.Now()
	for _, ddl := range factIndexes() {
		if _, err := s.conn.Exec(ctx, ddl); err != nil {
			return l, fmt.Errorf("%s: %w", ddl, err)
		}
	}
	l.indexes = time.Since(t)
	if l.vacuum, err = s.vacuum(ctx); err != nil {
		return l, err
	}
	if l.round, l.roundVacuum, err = s.addRound(ctx, last); err != nil {
		return l, err
	}
	l.tableBytes, l.indexBytes, err = s.sizes(ctx)
	return l, err
}

// createIndexed creates the fact table with its indexes, empty, for
// rounds that all arrive one by one.
func (s *pgServer) createIndexed(ctx context.Context) error {
	for _, ddl := range append([]string{factTable}, factIndexes()...) {
		if _, err := s.conn.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("%s: %w", ddl, err)
		}
	}
	return nil
}

// addRound COPYs a round into the indexed table, as a yearly round
// arrives, and runs VACUUM ANALYZE after it, so that the queries can be
// index-only. Then, untimed, a CHECKPOINT writes what the load left in the
// buffers now, rather than in the background while either system is
// being timed.
func (s *pgServer) addRound(ctx context.Context, facts []byte) (copyTime, vacuum time.Duration, err error) {
	t := time.Now()
	if _, err := s.conn.PgConn().CopyFrom(ctx, bytes.NewReader(facts), "COPY fact FROM STDIN"); err != nil {
		return 0, 0, fmt.Errorf("COPY of a round: %w", err)
	}
	copyTime = time.Since(t)
	if vacuum, err = s.vacuum(ctx); err != nil {
		return 0, 0, err
	}
	if _, err := s.conn.Exec(ctx, `CHECKPOINT`); err != nil {
		return 0, 0, fmt.Errorf("CHECKPOINT: %w", err)
	}
	return copyTime, vacuum, nil
}

// sizes are the fact table's and its indexes' sizes on disk.
func (s *pgServer) sizes(ctx context.Context) (table, indexes int64, err error) {
	err = s.conn.QueryRow(ctx, `SELECT pg_table_size('fact'), pg_indexes_size('fact')`).Scan(&table, &indexes)
	if err != nil {
		return 0, 0, fmt.Errorf("sizes: %w", err)
	}
	return table, indexes, nil
}

func (s *pgServer) vacuum(ctx context.Context) (time.Duration, error) {
	t := time.Now()
	if _, err := s.conn.Exec(ctx, `VACUUM ANALYZE fact`); err != nil {
		return 0, fmt.Errorf("VACUUM ANALYZE: %w", err)
	}
	return time.Since(t), nil
}

// columns places units in the fact table's level columns.
type columns struct {
	tree *hierarchy.Tree
	root string
}

// levelColumns are the fact table's columns that name units, from the
// top: each is named after the level of the units it holds.
func levelColumns() []string {
	return []string{hierarchy.LevelProvince, hierarchy.LevelDistrict, hierarchy.LevelCommune}
}

func newColumns(tree *hierarchy.Tree, root string) (columns, error) {
	for _, u := range tree.Units() {
		if u.Code != root && !slices.Contains(levelColumns(), u.Level) {
			return columns{}, fmt.Errorf("unit %s is of level %q: the fact table has columns for %v only", u.Code, u.Level, levelColumns())
		}
	}
	return columns{tree: tree, root: root}, nil
}

// of gives the province, district and commune of the unit: its own code in
// its level's column, its ancestors' in theirs, and "" below it. A
// district's own report thus has commune "", which no commune has.
func (c columns) of(code string) [3]string {
	var out [3]string
	for _, a := range c.tree.Path(code) {
		u, _ := c.tree.Unit(a)
		if i := slices.Index(levelColumns(), u.Level); i >= 0 {
			out[i] = a
		}
	}
	return out
}

// prefix is of as the middle of a COPY text row.
func (c columns) prefix(code string) string {
	o := c.of(code)
	return o[0] + "\t" + o[1] + "\t" + o[2]
}

// where is the condition selecting a unit's subtree, with its arguments
// numbered from $next: every column of the unit's path, so that the
// indexes' leading columns are bound.
func (c columns) where(code string, next int) (string, []any) {
	var cond string
	var args []any
	for i, v := range c.of(code) {
		if v == "" {
			continue
		}
		cond += fmt.Sprintf(" AND %s = $%d", levelColumns()[i], next)
		args = append(args, v)
		next++
	}
	return cond, args
}

// childColumn is the column naming the children of code.
func (c columns) childColumn(code string) (string, error) {
	kids := c.tree.Children(code)
	if len(kids) == 0 {
		return "", fmt.Errorf("unit %s has no children", code)
	}
	i := slices.Index(levelColumns(), kids[0].Level)
	if i < 0 {
		return "", errors.New("children of an unknown level")
	}
	return levelColumns()[i], nil
}
