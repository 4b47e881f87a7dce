// Command soak is eportid's bounded soak (make soak): a load generator
// that sends a stated mix of logins, lists, saves, declarations and
// reviews, at a factor (default twice) of its peak rates, to a server on
// PostgreSQL for a set time, then prints the answers by status, p50/p99 by
// route and the server's memory at start and end, and checks that every
// acknowledged declaration is in the database with its audit row. Any 5xx
// answer, request without an answer or missing declaration makes it exit
// 1.
//
// With -server it starts that server binary itself, on a schema of its own
// (-schema, default eportid_soak, dropped and made again at each start;
// eportid_soak_sessions with -sessions)
// with the roles of backend/pg-roles.sh; with -url it loads a running
// server, whose database (-database, the schema's owner) and secret key
// (-secret-key) it is given to make its fixtures and to check.
//
// With -sessions N it measures memory instead: N live sessions (made
// through the store, 10 per user) each make requests for -rounds rounds,
// and it prints the server's memory before, at its largest and after.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"eportid/backend/auth"
	"eportid/backend/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type options struct {
	server, url, pg, schema, database, secretKey, dir string
	pid                                               int
	duration                                          time.Duration
	factor                                            float64
	peak                                              Mix
	enterprises, reviewers, maxInFlight               int
	sessions, rounds, conc                            int
	addrs                                             int
	serverProcs                                       int
}

func parseFlags() (options, error) {
	var o options
	dur := os.Getenv("SOAK_DURATION")
	if dur == "" {
		dur = "10m"
	}
	d, err := time.ParseDuration(dur)
	if err != nil {
		return o, fmt.Errorf("SOAK_DURATION %q: %v", dur, err)
	}
	flag.StringVar(&o.server, "server", "", "start this eportid binary on its own schema (else -url)")
	flag.StringVar(&o.url, "url", "", "base URL of a running server (with -database and -secret-key)")
	flag.IntVar(&o.pid, "server-pid", 0, "with -url: the server's process id, for its memory")
	flag.StringVar(&o.pg, "pg", "postgres://127.0.0.1:5432/test?sslmode=disable", "with -server: the PostgreSQL database (the roles of backend/pg-roles.sh, a superuser postgres to make the schema)")
	flag.StringVar(&o.schema, "schema", "", "with -server: the schema of the soak, dropped and made again (default eportid_soak, eportid_soak_sessions with -sessions)")
	flag.StringVar(&o.database, "database", "", "with -url: the database URL of the schema's owner, for the fixtures and the check")
	flag.StringVar(&o.secretKey, "secret-key", "", "with -url: the server's secret key (base64), to make reviewers")
	flag.StringVar(&o.dir, "dir", "", "with -server: directory of the server's log and CA (default var/soak, var/soak-sessions with -sessions)")
	flag.DurationVar(&o.duration, "duration", d, "how long the load runs (SOAK_DURATION)")
	flag.Float64Var(&o.factor, "factor", 2, "the load is this factor times the peak")
	flag.Float64Var(&o.peak.Logins, "logins", 2, "peak logins/s")
	flag.Float64Var(&o.peak.Lists, "lists", 20, "peak lists/s")
	flag.Float64Var(&o.peak.Saves, "saves", 10, "peak saves (暂存)/s")
	flag.Float64Var(&o.peak.Declarations, "declarations", 10, "peak declarations (申报)/s")
	flag.Float64Var(&o.peak.Reviews, "reviews", 10, "peak reviews (退单)/s")
	flag.IntVar(&o.enterprises, "enterprises", 200, "enterprises (one no-card administrator each)")
	flag.IntVar(&o.reviewers, "reviewers", 4, "reviewers of agent point FJ01")
	flag.IntVar(&o.maxInFlight, "max-in-flight", 256, "requests in flight at most (the generator's limit)")
	flag.IntVar(&o.addrs, "addrs", 0, "client addresses the enterprises' users come from (X-Forwarded-For; 0: one each)")
	flag.IntVar(&o.sessions, "sessions", 0, "memory mode: this many live sessions instead of the mix")
	flag.IntVar(&o.rounds, "rounds", 3, "memory mode: rounds of requests of every session")
	flag.IntVar(&o.conc, "conc", 16, "memory mode: requests at once (and connections)")
	flag.IntVar(&o.serverProcs, "server-procs", 0, "with -server: GOMAXPROCS of the server (0: all cores)")
	flag.Parse()
	if o.schema == "" {
		o.schema = map[bool]string{false: "eportid_soak", true: "eportid_soak_sessions"}[o.sessions > 0]
	}
	if o.dir == "" {
		o.dir = map[bool]string{false: "var/soak", true: "var/soak-sessions"}[o.sessions > 0]
	}
	if (o.server == "") == (o.url == "") {
		return o, errors.New("give -server BINARY or -url URL")
	}
	if o.url != "" && o.database == "" {
		return o, errors.New("-url needs -database")
	}
	if o.sessions > 0 && o.sessions%store.MaxSessionsPerUser != 0 {
		return o, fmt.Errorf("-sessions: a multiple of %d (sessions per user)", store.MaxSessionsPerUser)
	}
	return o, nil
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var key []byte
	if o.secretKey != "" {
		if key, err = base64.StdEncoding.DecodeString(o.secretKey); err != nil {
			return fmt.Errorf("-secret-key: %v", err)
		}
	}
	if o.server != "" {
		if key == nil {
			key = make([]byte, store.SecretKeyLen)
			rand.Read(key)
		}
		srv, err := startServer(ctx, &o, key)
		if err != nil {
			return err
		}
		defer srv.stop()
	}

	st, err := store.Open(ctx, o.database, store.WithoutMigrations())
	if err != nil {
		return err
	}
	defer st.Close()
	if key != nil {
		if err := st.UseSecretKey(ctx, key); err != nil {
			return err
		}
	}
	db := st.DB().DB
	runNo, err := nextRun(ctx, db)
	if err != nil {
		return err
	}
	hasher := auth.NewHasher(auth.DefaultParams, 2)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	probe := memProbe{pid: o.pid, metrics: o.url + "/metrics", hc: &http.Client{Timeout: 5 * time.Second}}
	idle := probe.sample()
	if o.sessions > 0 {
		return sessionMode(ctx, o, st, hasher, runNo, tr, probe, idle)
	}
	return mixMode(ctx, o, st, db, hasher, runNo, tr, probe, idle)
}

func mixMode(ctx context.Context, o options, st *store.Store, db *sql.DB, hasher *auth.Hasher, runNo int,
	tr *http.Transport, probe memProbe, idle memSample) error {
	mix := o.peak.scale(o.factor)
	fmt.Printf("soak: %s against %s: %g× the peak (%s), i.e. %s; %d enterprises, %d reviewers\n",
		o.duration, o.url, o.factor, o.peak, mix, o.enterprises, o.reviewers)
	t0 := time.Now()
	users, err := makeUsers(ctx, st, hasher, runNo, o.enterprises)
	if err != nil {
		return err
	}
	revs, err := makeReviewers(ctx, st, hasher, runNo, o.reviewers)
	if err != nil {
		return err
	}
	setupRec := newRecorder()
	l := &load{base: o.url, rec: setupRec, tr: tr, inflight: make(chan struct{}, o.maxInFlight), addrs: o.addrs}
	if err := l.setup(ctx, st, users, revs); err != nil {
		return err
	}
	fmt.Printf("fixtures and drafts: %s\n", time.Since(t0).Round(100*time.Millisecond))
	rec := newRecorder()
	l.rec = rec
	for _, e := range l.ents {
		e.c.rec = rec
	}
	for _, r := range l.reviewers {
		r.c.rec = rec
	}

	start := probe.sample()
	stopWatch := make(chan struct{})
	maxMem := probe.watch(5*time.Second, stopWatch)
	lctx, cancel := context.WithTimeout(ctx, o.duration)
	t1 := time.Now()
	l.run(lctx, mix)
	cancel()
	elapsed := time.Since(t1)
	close(stopWatch)
	peakMem := <-maxMem
	end := probe.sample()

	found, missing, cerr := checkDeclarations(context.WithoutCancel(ctx), db, l.acks)
	first := users[0].EnterpriseID
	for _, u := range users {
		first = min(first, u.EnterpriseID)
	}
	total, aerr := auditDeclarations(context.WithoutCancel(ctx), db, first)

	fmt.Println()
	rec.print(os.Stdout, elapsed)
	fmt.Printf("memory: idle after start %s\n        at the start of the load %s\n        at the end %s\n        largest seen (every 5 s) RSS %s (peak resident %s), Go heap %s\n",
		idle, start, end, mib(peakMem.RSS), mib(peakMem.HWM), mib(peakMem.Heap))
	if end.CPU > 0 {
		fmt.Printf("server CPU during the load: %s in %s, %.0f%% of one core\n", (end.CPU - start.CPU).Round(10*time.Millisecond),
			elapsed.Round(time.Second), 100*(end.CPU-start.CPU).Seconds()/elapsed.Seconds())
	}
	fmt.Printf("declarations acknowledged: %d; in the database with their audit row: %d; missing: %d", len(l.acks), found, len(missing))
	if aerr == nil {
		fmt.Printf(" (audit rows of declarations of the run: %d)", total)
	}
	fmt.Println()
	if len(l.declared) > 0 {
		fmt.Printf("declarations still waiting for a reviewer at the end: %d\n", len(l.declared))
	}
	var fails []string
	if n := rec.fivexx(); n > 0 {
		fails = append(fails, fmt.Sprintf("%d answers 5xx", n))
	}
	if rec.errors > 0 {
		fails = append(fails, fmt.Sprintf("%d requests without an answer", rec.errors))
	}
	if cerr != nil {
		fails = append(fails, cerr.Error())
	}
	if len(missing) > 0 {
		fails = append(fails, fmt.Sprintf("%d acknowledged declarations missing (first: record %d, %s)", len(missing), missing[0].RecordID, missing[0].Address))
	}
	if n := rec.count(func(s int) bool { return s >= 400 && s < 500 }); n > 0 {
		fmt.Printf("note: %d answers 4xx (the soak sends only valid requests)\n", n)
	}
	if len(l.failed) > 0 {
		fmt.Println("first unexpected answers:")
		for _, f := range l.failed {
			fmt.Println("  " + f)
		}
	}
	if len(fails) > 0 {
		fmt.Println("soak: FAIL")
		return errors.New(strings.Join(fails, "; "))
	}
	fmt.Println("soak: PASS")
	return nil
}

func sessionMode(ctx context.Context, o options, st *store.Store, hasher *auth.Hasher, runNo int,
	tr *http.Transport, probe memProbe, idle memSample) error {
	fmt.Printf("soak: memory with %d live sessions against %s (%d users, %d rounds, %d requests at once)\n",
		o.sessions, o.url, o.sessions/store.MaxSessionsPerUser, o.rounds, o.conc)
	t0 := time.Now()
	users, err := makeUsers(ctx, st, hasher, runNo, o.sessions/store.MaxSessionsPerUser)
	if err != nil {
		return err
	}
	sessions, err := makeSessions(ctx, st, users)
	if err != nil {
		return err
	}
	var live int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&live); err != nil {
		return err
	}
	fmt.Printf("fixtures: %d sessions made in %s; sessions in the database: %d\n", len(sessions), time.Since(t0).Round(100*time.Millisecond), live)
	before := probe.sample()
	rec := newRecorder()
	tr.MaxIdleConnsPerHost = o.conc
	stopWatch := make(chan struct{})
	maxMem := probe.watch(time.Second, stopWatch)
	t1 := time.Now()
	rerr := sessionRounds(ctx, o.url, tr, rec, sessions, o.rounds, o.conc)
	elapsed := time.Since(t1)
	close(stopWatch)
	peakMem := <-maxMem
	after := probe.sample()
	fmt.Println()
	rec.print(os.Stdout, elapsed)
	fmt.Printf("memory: idle after start %s\n        with the sessions made %s\n        after the rounds %s\n        largest seen (every 1 s) RSS %s (peak resident %s), Go heap %s\n",
		idle, before, after, mib(peakMem.RSS), mib(peakMem.HWM), mib(peakMem.Heap))
	if rerr != nil {
		fmt.Println("soak: FAIL")
		return rerr
	}
	if peakMem.HWM > 150<<20 {
		fmt.Println("soak: FAIL (peak resident set above 150 MiB)")
		return errors.New("memory above 150 MiB")
	}
	fmt.Println("soak: PASS")
	return nil
}

// serverProc is the eportid process the soak started.
type serverProc struct {
	cmd  *exec.Cmd
	done chan error
}

var listening = regexp.MustCompile(`eportid listening on (\S+)`)

// startServer makes the soak's schema again, starts the server on it as
// the roles of backend/pg-roles.sh and waits for its listening line; it
// sets o.url, o.pid and o.database.
func startServer(ctx context.Context, o *options, key []byte) (*serverProc, error) {
	base, err := url.Parse(o.pg)
	if err != nil {
		return nil, fmt.Errorf("-pg: %v", err)
	}
	as := func(user string, schema bool) string {
		u := *base
		u.User = url.User(user)
		if schema {
			q := u.Query()
			q.Set("search_path", o.schema)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	admin, err := sql.Open("postgres", as("postgres", false))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(o.schema) {
		return nil, fmt.Errorf("-schema %q: lower-case letters, digits and _", o.schema)
	}
	if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+o.schema+` CASCADE`); err != nil {
		return nil, fmt.Errorf("drop schema %s: %w", o.schema, err)
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+o.schema+` AUTHORIZATION eportid_owner`); err != nil {
		return nil, fmt.Errorf("create schema %s (run backend/pg-roles.sh first): %w", o.schema, err)
	}
	o.database = as("eportid_owner", true)

	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, err
	}
	caDir := filepath.Join(o.dir, "ca")
	logPath := filepath.Join(o.dir, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.server)
	env := []string{
		"EPORTID_ADDR=127.0.0.1:0",
		"DATABASE_URL=" + as("eportid_app", true),
		"EPORTID_MIGRATE_DATABASE_URL=" + o.database,
		"EPORTID_CA_DIR=" + caDir, "EPORTID_CA_CREATE=true",
		"EPORTID_SECRET_KEY=" + base64.StdEncoding.EncodeToString(key),
		"EPORTID_DEMO_DATA=false",
		// The soak plays the load balancer (client.addr).
		"EPORTID_TRUSTED_PROXIES=127.0.0.1",
	}
	if o.serverProcs > 0 {
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", o.serverProcs))
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EPORTID_") && !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.server, err)
	}
	s := &serverProc{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, out)
	}()
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	select {
	case o.url = <-found:
	case err := <-s.done:
		return nil, fmt.Errorf("server ended before listening (%v): see %s", err, logPath)
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("server not listening after 2 minutes: see %s", logPath)
	}
	o.pid = cmd.Process.Pid
	fmt.Printf("server: pid %d on %s, schema %s, log %s\n", o.pid, o.url, o.schema, logPath)
	return s, nil
}

// stop ends the server gracefully (SIGTERM), or kills it after 30 s.
func (s *serverProc) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
