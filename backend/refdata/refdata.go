// Package refdata holds the reference data of eportid as embedded files
// (see SOURCES.md for where each came from) and parses them into plain
// values. It holds no SQL: store.LoadRefData upserts what Load returns, on
// every start, keyed by code.
//
// Derived data: the market-supervision and tax departments are not a file
// but generated from the GB/T 2260 names (see Departments), and each agent
// point's preset departments are those of its province unless the agent
// point's Presets column says "no".
package refdata

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"eportid/app/model"
)

//go:embed gb2260-mca-201904.tsv customs-districts.tsv agent-points.tsv registry-commerce.tsv registry-customs.tsv registry-forex.tsv registry-declarants.tsv
var files embed.FS

// The embedded files.
const (
	GB2260File      = "gb2260-mca-201904.tsv"
	CustomsFile     = "customs-districts.tsv"
	AgentPointsFile = "agent-points.tsv"
)

// Department kinds.
const (
	KindMarket = "market" // 市场监督管理局
	KindTax    = "tax"    // 国家税务总局…税务局
)

// Division is one GB/T 2260 administrative division.
type Division struct {
	Code     string // six digits
	Name     string
	Level    int    // 1 province, 2 prefecture, 3 county
	Province string // code of its province (itself for a province)
	// IsCity: offered in the city list of its province (see CityRule).
	IsCity bool
}

// Department is a market-supervision or tax department.
type Department struct {
	Code     string // "M440300", "T440300": kind letter and division code
	Kind     string // KindMarket or KindTax
	Name     string
	Division string // the division it serves
	Province string // that division's province
}

// AgentPoint is a card agent point with its contact details.
type AgentPoint struct {
	Code     string
	Name     string
	Province string // GB/T 2260 province code
	Address  string
	Phone    string
	Hours    string
	// Presets: the agent point offers its province's departments; when
	// false, the enterprise chooses from all departments.
	Presets bool
}

// Customs code statuses: how well the sources back a row of the customs
// code table (关区代码表).
const (
	CustomsConfirmed = "confirmed" // two or more sources agree
	CustomsSingle    = "single"    // seen in one source only
	CustomsConflict  = "conflict"  // sources disagree (Note says how)
	CustomsUnsourced = "unsourced" // in no source found (Note says why kept)
)

// CustomsCode is one row of the customs code table: a directly-subordinate
// customs district (code ending "00") or a subordinate office under it (the
// same first two digits).
type CustomsCode struct {
	Code    string   // four digits
	Name    string   // as a source gives it
	Sources []string // source ids, described in SOURCES.md
	Status  string   // CustomsConfirmed, CustomsSingle, CustomsConflict, CustomsUnsourced
	Note    string   // what the sources disagree on, or other names they give
}

// Confirmed reports whether at least two sources agree on the row.
func (c CustomsCode) Confirmed() bool { return c.Status == CustomsConfirmed }

// Set says what one loaded set is: its name, revision and source.
type Set struct {
	Name     string // "gb2260", "customs_districts", "departments", "agent_points"
	Revision string
	Source   string
}

// Data is all the reference data, parsed and derived.
type Data struct {
	Divisions []Division
	// CustomsDistricts are the options of 主管海关 and 备案海关: every code of
	// CustomsTable, by code, so that the subordinate offices follow their
	// directly-subordinate customs.
	CustomsDistricts []model.Option
	CustomsTable     []CustomsCode
	Departments      []Department
	AgentPoints      []AgentPoint
	// Presets maps an agent point code to its preset department codes
	// (both kinds), in code order; absent for an agent point without.
	Presets map[string][]string

	GB2260, Customs, Depts, Points Set
}

// Sets lists the four sets of d.
func (d *Data) Sets() []Set { return []Set{d.GB2260, d.Customs, d.Depts, d.Points} }

// municipalities are the four province-level cities (直辖市): their districts
// and counties stand in the city list, as they have no prefecture level.
var municipalities = map[string]bool{"11": true, "12": true, "31": true, "50": true}

// noMainlandDepartments are the province-level divisions without
// mainland market-supervision or tax departments and without divisions
// below them in GB/T 2260: Taiwan, Hong Kong, Macao.
var noMainlandDepartments = map[string]bool{"71": true, "81": true, "82": true}

// CityRule says which divisions stand in a province's city list: the
// prefecture-level ones (code ending "00"); for the four municipalities
// (11, 12, 31, 50) their districts and counties; and the county-level
// units directly administered by a province (third and fourth digits "90",
// e.g. 济源市 419001, 仙桃市 429004, 五指山市 469001, 石河子市 659001),
// which have no prefecture above them.
func CityRule(code string) bool {
	if len(code) != 6 || strings.HasSuffix(code, "0000") {
		return false
	}
	if strings.HasSuffix(code, "00") {
		return true
	}
	return municipalities[code[:2]] || code[2:4] == "90"
}

// InProvinceList reports whether a province-level division is offered in the
// province list (not Taiwan, Hong Kong, Macao: no division below them).
func InProvinceList(code string) bool {
	return len(code) == 6 && strings.HasSuffix(code, "0000") && !noMainlandDepartments[code[:2]]
}

// Load parses the embedded files and derives the departments and presets.
func Load() (*Data, error) {
	d := &Data{}
	var err error
	if d.Divisions, d.GB2260, err = parseDivisions(); err != nil {
		return nil, err
	}
	if d.CustomsTable, d.Customs, err = parseCustoms(); err != nil {
		return nil, err
	}
	d.CustomsDistricts = make([]model.Option, len(d.CustomsTable))
	for i, c := range d.CustomsTable {
		d.CustomsDistricts[i] = model.Option{Code: c.Code, Name: c.Name}
	}
	if d.AgentPoints, d.Points, err = parseAgentPoints(d.Divisions); err != nil {
		return nil, err
	}
	d.Departments = Departments(d.Divisions)
	d.Depts = Set{
		Name:     "departments",
		Revision: "derived:" + d.GB2260.Revision,
		Source:   "derived from " + GB2260File + " (see SOURCES.md)",
	}
	d.Presets = map[string][]string{}
	for _, ap := range d.AgentPoints {
		if !ap.Presets {
			continue
		}
		var codes []string
		for _, dep := range d.Departments {
			if dep.Province == ap.Province {
				codes = append(codes, dep.Code)
			}
		}
		d.Presets[ap.Code] = codes
	}
	return d, nil
}

// Departments derives the departments from the divisions: for every
// province-level division (except 71, 81, 82), every prefecture-level one and,
// in the four municipalities, every district and county, one market
// department "<name>市场监督管理局" coded "M"+code and one tax department
// "国家税务总局<name>税务局" coded "T"+code. A district's name is prefixed
// with its municipality's ("北京市东城区市场监督管理局").
func Departments(divs []Division) []Department {
	names := map[string]string{}
	for _, dv := range divs {
		names[dv.Code] = dv.Name
	}
	var out []Department
	for _, dv := range divs {
		if noMainlandDepartments[dv.Code[:2]] {
			continue
		}
		name := dv.Name
		switch {
		case dv.Level == 1, dv.Level == 2:
		case dv.Level == 3 && municipalities[dv.Code[:2]]:
			name = names[dv.Province] + dv.Name
		default:
			continue
		}
		out = append(out,
			Department{Code: "M" + dv.Code, Kind: KindMarket, Name: name + "市场监督管理局", Division: dv.Code, Province: dv.Province},
			Department{Code: "T" + dv.Code, Kind: KindTax, Name: "国家税务总局" + name + "税务局", Division: dv.Code, Province: dv.Province},
		)
	}
	slices.SortFunc(out, func(a, b Department) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// readTSV reads a tab-separated file with a header row, checking the header
// and the number of columns of every row.
func readTSV(name string, header ...string) (rows [][]string, sum string, err error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("refdata: %w", err)
	}
	h := sha256.Sum256(b)
	sum = "sha256:" + hex.EncodeToString(h[:8])
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		cols := strings.Split(text, "\t")
		if line == 1 {
			if !slices.Equal(cols, header) {
				return nil, "", fmt.Errorf("refdata: %s: header %q, want %q", name, cols, header)
			}
			continue
		}
		if len(cols) != len(header) {
			return nil, "", fmt.Errorf("refdata: %s:%d: %d columns, want %d", name, line, len(cols), len(header))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		rows = append(rows, cols)
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("refdata: %s: %w", name, err)
	}
	return rows, sum, nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseDivisions() ([]Division, Set, error) {
	rows, _, err := readTSV(GB2260File, "Source", "Revision", "Code", "Name")
	if err != nil {
		return nil, Set{}, err
	}
	var out []Division
	seen := map[string]bool{}
	revision := ""
	for i, r := range rows {
		src, rev, code, name := r[0], r[1], r[2], r[3]
		if !isDigits(code, 6) || name == "" {
			return nil, Set{}, fmt.Errorf("refdata: %s row %d: bad code or name %q %q", GB2260File, i+1, code, name)
		}
		if seen[code] {
			return nil, Set{}, fmt.Errorf("refdata: %s: duplicate code %s", GB2260File, code)
		}
		seen[code] = true
		if r := src + "/" + rev; revision == "" {
			revision = r
		} else if r != revision {
			return nil, Set{}, fmt.Errorf("refdata: %s: mixed revisions %s and %s", GB2260File, revision, r)
		}
		level := 3
		switch {
		case strings.HasSuffix(code, "0000"):
			level = 1
		case strings.HasSuffix(code, "00"):
			level = 2
		}
		out = append(out, Division{
			Code: code, Name: name, Level: level,
			Province: code[:2] + "0000",
			IsCity:   CityRule(code),
		})
	}
	for _, dv := range out {
		if !seen[dv.Province] {
			return nil, Set{}, fmt.Errorf("refdata: %s: %s has no province %s", GB2260File, dv.Code, dv.Province)
		}
	}
	slices.SortFunc(out, func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
	return out, Set{
		Name:     "gb2260",
		Revision: revision,
		Source:   GB2260File + ": GB/T 2260 divisions, Ministry of Civil Affairs, via github.com/cn/GB2260 mca/201904.tsv",
	}, nil
}

func parseCustoms() ([]CustomsCode, Set, error) {
	rows, sum, err := readTSV(CustomsFile, "Code", "Name", "Sources", "Status", "Note")
	if err != nil {
		return nil, Set{}, err
	}
	var out []CustomsCode
	seen := map[string]bool{}
	for _, r := range rows {
		c := CustomsCode{Code: r[0], Name: r[1], Status: r[3], Note: r[4]}
		if r[2] != "" {
			c.Sources = strings.Split(r[2], ",")
		}
		if err := checkCustomsCode(c); err != nil {
			return nil, Set{}, fmt.Errorf("refdata: %s: %s: %w", CustomsFile, c.Code, err)
		}
		if seen[c.Code] {
			return nil, Set{}, fmt.Errorf("refdata: %s: duplicate code %s", CustomsFile, c.Code)
		}
		seen[c.Code] = true
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CustomsCode) int { return strings.Compare(a.Code, b.Code) })
	return out, Set{Name: "customs_districts", Revision: sum, Source: CustomsFile + " (see SOURCES.md)"}, nil
}

// checkCustomsCode checks one row of the customs code table: four digits, a
// name, at least one source id (upper-case letters and digits, none twice),
// and a status that fits the sources: confirmed needs two or more, single
// exactly one, conflict and unsourced a note saying why.
func checkCustomsCode(c CustomsCode) error {
	if !isDigits(c.Code, 4) {
		return fmt.Errorf("code %q is not 4 digits", c.Code)
	}
	if c.Name == "" {
		return fmt.Errorf("no name")
	}
	if len(c.Sources) == 0 {
		return fmt.Errorf("no source")
	}
	ids := map[string]bool{}
	for _, id := range c.Sources {
		if id == "" || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" || ids[id] {
			return fmt.Errorf("bad or repeated source id %q", id)
		}
		ids[id] = true
	}
	switch c.Status {
	case CustomsConfirmed:
		if len(c.Sources) < 2 {
			return fmt.Errorf("confirmed by %d source", len(c.Sources))
		}
	case CustomsSingle:
		if len(c.Sources) != 1 {
			return fmt.Errorf("status single with %d sources", len(c.Sources))
		}
	case CustomsConflict, CustomsUnsourced:
		if c.Note == "" {
			return fmt.Errorf("status %s without a note", c.Status)
		}
	default:
		return fmt.Errorf("status %q", c.Status)
	}
	return nil
}

func parseAgentPoints(divs []Division) ([]AgentPoint, Set, error) {
	rows, sum, err := readTSV(AgentPointsFile, "Code", "Name", "Province", "Address", "Phone", "Hours", "Presets")
	if err != nil {
		return nil, Set{}, err
	}
	provinces := map[string]bool{}
	for _, dv := range divs {
		if dv.Level == 1 {
			provinces[dv.Code] = true
		}
	}
	var out []AgentPoint
	seen := map[string]bool{}
	for _, r := range rows {
		ap := AgentPoint{Code: r[0], Name: r[1], Province: r[2], Address: r[3], Phone: r[4], Hours: r[5]}
		switch r[6] {
		case "yes":
			ap.Presets = true
		case "no":
		default:
			return nil, Set{}, fmt.Errorf("refdata: %s: %s: Presets %q, want yes or no", AgentPointsFile, ap.Code, r[6])
		}
		if ap.Code == "" || ap.Name == "" || seen[ap.Code] {
			return nil, Set{}, fmt.Errorf("refdata: %s: empty or duplicate code in %q", AgentPointsFile, r)
		}
		if !provinces[ap.Province] {
			return nil, Set{}, fmt.Errorf("refdata: %s: %s: %q is not a province code", AgentPointsFile, ap.Code, ap.Province)
		}
		seen[ap.Code] = true
		out = append(out, ap)
	}
	return out, Set{Name: "agent_points", Revision: sum, Source: AgentPointsFile + " (see SOURCES.md)"}, nil
}
