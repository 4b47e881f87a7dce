package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// recorder counts the answers by route and status and keeps every
// latency, so the summary gives exact percentiles.
type recorder struct {
	mu       sync.Mutex
	routes   map[string]*routeStats
	statuses map[int]int
	errors   int // requests without an answer (transport errors)
	skipped  map[string]int
}

type routeStats struct {
	lat      []time.Duration
	statuses map[int]int
	errors   int
}

func newRecorder() *recorder {
	return &recorder{routes: map[string]*routeStats{}, statuses: map[int]int{}, skipped: map[string]int{}}
}

func (r *recorder) route(name string) *routeStats {
	rs := r.routes[name]
	if rs == nil {
		rs = &routeStats{statuses: map[int]int{}}
		r.routes[name] = rs
	}
	return rs
}

// add records one request of route: its status (0: no answer) and time.
func (r *recorder) add(route string, status int, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.route(route)
	if status == 0 {
		rs.errors++
		r.errors++
		return
	}
	rs.lat = append(rs.lat, d)
	rs.statuses[status]++
	r.statuses[status]++
}

// skip records an operation of the mix that was due but not sent, and why.
func (r *recorder) skip(why string) {
	r.mu.Lock()
	r.skipped[why]++
	r.mu.Unlock()
}

// fivexx is the number of 5xx answers.
func (r *recorder) fivexx() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for s, c := range r.statuses {
		if s >= 500 {
			n += c
		}
	}
	return n
}

func (r *recorder) count(status func(int) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for s, c := range r.statuses {
		if status(s) {
			n += c
		}
	}
	return n
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)) * p)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func statusList(m map[int]int, errors int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d: %d", k, m[k]))
	}
	if errors > 0 {
		parts = append(parts, fmt.Sprintf("no answer: %d", errors))
	}
	return strings.Join(parts, ", ")
}

// print writes the answers by status and the latencies by route over
// elapsed.
func (r *recorder) print(w io.Writer, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := r.errors
	for _, c := range r.statuses {
		total += c
	}
	fmt.Fprintf(w, "answers: %d in %s (%.1f/s); by status: %s\n", total, elapsed.Round(time.Second),
		float64(total)/elapsed.Seconds(), statusList(r.statuses, r.errors))
	names := make([]string, 0, len(r.routes))
	for n := range r.routes {
		names = append(names, n)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "%-42s %8s %7s %8s %8s %8s  %s\n", "route", "n", "/s", "p50 ms", "p99 ms", "max ms", "statuses")
	for _, n := range names {
		rs := r.routes[n]
		slices.Sort(rs.lat)
		c := len(rs.lat) + rs.errors
		fmt.Fprintf(w, "%-42s %8d %7.1f %8s %8s %8s  %s\n", n, c, float64(c)/elapsed.Seconds(),
			ms(pct(rs.lat, 0.50)), ms(pct(rs.lat, 0.99)), ms(pct(rs.lat, 1)), statusList(rs.statuses, rs.errors))
	}
	if len(r.skipped) > 0 {
		keys := make([]string, 0, len(r.skipped))
		for k := range r.skipped {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s: %d", k, r.skipped[k]))
		}
		fmt.Fprintf(w, "due but not sent: %s\n", strings.Join(parts, ", "))
	}
}

// memSample is the server's memory at one moment: the resident set of
// its process (0 when the process is not on this machine) and, where
// the server exposes Prometheus metrics, the Go heap in use.
type memSample struct {
	At       time.Time
	RSS, HWM int64 // bytes; HWM is the peak resident set so far
	Heap     int64 // go_memstats_heap_inuse_bytes; -1 when not exposed
	// CPU is the processor time the process has used so far (user and
	// system), from /proc/<pid>/stat in clock ticks of 10 ms (Linux's
	// USER_HZ).
	CPU time.Duration
}

// memProbe reads a server's memory from /proc/<pid>/status and from its
// /metrics.
type memProbe struct {
	pid     int
	metrics string // URL of /metrics
	hc      *http.Client
}

func (p memProbe) sample() memSample {
	s := memSample{At: time.Now(), Heap: -1}
	if p.pid > 0 {
		if f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid)); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				k, v, ok := strings.Cut(sc.Text(), ":")
				if !ok || (k != "VmRSS" && k != "VmHWM") {
					continue
				}
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if k == "VmRSS" {
					s.RSS = kb << 10
				} else {
					s.HWM = kb << 10
				}
			}
			f.Close()
		}
	}
	if p.pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid)); err == nil {
			// The fields after the command's closing parenthesis; utime and
			// stime are the 14th and 15th of the whole line.
			if i := strings.LastIndexByte(string(b), ')'); i > 0 {
				f := strings.Fields(string(b[i+1:]))
				if len(f) > 12 {
					ut, _ := strconv.ParseInt(f[11], 10, 64)
					st, _ := strconv.ParseInt(f[12], 10, 64)
					s.CPU = time.Duration(ut+st) * 10 * time.Millisecond
				}
			}
		}
	}
	if p.metrics != "" {
		if resp, err := p.hc.Get(p.metrics); err == nil {
			if resp.StatusCode == http.StatusOK {
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(make([]byte, 64<<10), 1<<20)
				for sc.Scan() {
					if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
						f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
						s.Heap = int64(f)
					}
				}
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	return s
}

func mib(b int64) string {
	if b < 0 {
		return "not exposed"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func (s memSample) String() string {
	out := "RSS " + mib(s.RSS)
	if s.RSS == 0 {
		out = "RSS unknown (no -server-pid)"
	}
	return out + ", Go heap in use " + mib(s.Heap)
}

// watch samples p every interval until stop is closed and returns the
// largest resident set and heap seen.
func (p memProbe) watch(interval time.Duration, stop <-chan struct{}) <-chan memSample {
	out := make(chan memSample, 1)
	go func() {
		max := memSample{Heap: -1}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s := p.sample()
			max.RSS, max.HWM, max.Heap = maxI(max.RSS, s.RSS), maxI(max.HWM, s.HWM), maxI(max.Heap, s.Heap)
			select {
			case <-stop:
				out <- max
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func maxI(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
