package store_test

import (
	"context"
	"slices"
	"testing"

	"eportid/app/model"
	"eportid/backend/refdata"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func codes(opts []model.Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Code)
	}
	return out
}

func count(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

var refTables = []string{"divisions", "customs_districts", "departments", "agent_points", "agent_point_departments", "refdata_sets"}

func TestLoadRefDataIdempotent(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenEmpty(t, d)
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatal(err)
			}
			first := map[string]int{}
			for _, tb := range refTables {
				first[tb] = count(t, s, tb)
			}
			aps1 := must(s.AgentPoints(ctx))(t)
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatalf("second load: %v", err)
			}
			for _, tb := range refTables {
				if n := count(t, s, tb); n != first[tb] {
					t.Errorf("%s: %d rows after the second load, %d after the first", tb, n, first[tb])
				}
			}
			if aps2 := must(s.AgentPoints(ctx))(t); !slices.EqualFunc(aps1, aps2, func(a, b model.AgentPoint) bool {
				return a.Code == b.Code && slices.Equal(a.MarketDepts, b.MarketDepts) && slices.Equal(a.TaxDepts, b.TaxDepts)
			}) {
				t.Error("agent points differ after the second load")
			}
			data := must(refdata.Load())(t)
			if first["divisions"] != len(data.Divisions) || first["departments"] != len(data.Departments) || first["customs_districts"] != len(data.CustomsDistricts) {
				t.Errorf("counts %v", first)
			}
			sets := must(s.RefDataSets(ctx))(t)
			if len(sets) != 4 {
				t.Fatalf("sets %+v", sets)
			}
			for _, set := range sets {
				if set.Name == "gb2260" && (set.Revision != "mca/201904" || set.Rows != len(data.Divisions)) {
					t.Errorf("gb2260 set %+v", set)
				}
			}

			// A row no longer in the files: kept, inactive, in no list.
			if _, err := s.DB().Exec(`INSERT INTO divisions (code, name, level, province, is_city, revision, active)
				VALUES ('449900', '旧市', 2, '440000', TRUE, 'mca/201001', TRUE)`); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(codes(must(s.Cities(ctx, "440000"))(t)), "449900") {
				t.Fatal("inserted city not listed")
			}
			if err := s.LoadRefData(ctx); err != nil {
				t.Fatal(err)
			}
			if slices.Contains(codes(must(s.Cities(ctx, "440000"))(t)), "449900") {
				t.Error("stale city still listed")
			}
			if name := must(s.DivisionName(ctx, "449900"))(t); name != "旧市" {
				t.Errorf("stale division name %q", name)
			}
		})
	}
}

func TestRefDataQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		provs := must(s.Provinces(ctx))(t)
		if len(provs) != 31 || provs[0] != (model.Option{Code: "110000", Name: "北京市"}) {
			t.Errorf("provinces: %d, first %+v", len(provs), provs[0])
		}
		if slices.Contains(codes(provs), "710000") {
			t.Error("台湾省 in the province list")
		}

		gd := codes(must(s.Cities(ctx, "440000"))(t))
		if !slices.Contains(gd, "440300") || !slices.Contains(gd, "441900") || slices.Contains(gd, "440303") || slices.Contains(gd, "440000") {
			t.Errorf("Guangdong cities %v", gd)
		}
		if len(gd) != 21 {
			t.Errorf("Guangdong has %d cities, want 21", len(gd))
		}
		bj := codes(must(s.Cities(ctx, "110000"))(t))
		if !slices.Contains(bj, "110101") || len(bj) != 16 {
			t.Errorf("Beijing districts %v", bj)
		}
		if !slices.Contains(codes(must(s.Cities(ctx, "500000"))(t)), "500229") {
			t.Error("Chongqing lacks 城口县")
		}
		if !slices.Contains(codes(must(s.Cities(ctx, "410000"))(t)), "419001") {
			t.Error("Henan lacks 济源市")
		}
		if got := must(s.Cities(ctx, "999999"))(t); got == nil || len(got) != 0 {
			t.Errorf("unknown province: %#v", got)
		}

		if name := must(s.DivisionName(ctx, "440300"))(t); name != "深圳市" {
			t.Errorf("DivisionName(440300) = %q", name)
		}
		_, err := s.DivisionName(ctx, "000000")
		wantErr(t, err, store.ErrNotFound, "unknown division")

		cd := must(s.CustomsDistricts(ctx))(t)
		want := must(refdata.Load())(t).CustomsDistricts
		if !slices.Equal(cd, want) || cd[0] != (model.Option{Code: "0100", Name: "北京关区"}) || model.OptionName(cd, "5300") != "深圳关区" ||
			model.OptionName(cd, "2201") != "浦江海关" || cd[1] != (model.Option{Code: "0101", Name: "机场单证"}) {
			t.Errorf("customs districts %d %+v", len(cd), cd[:1])
		}

		aps := must(s.AgentPoints(ctx))(t)
		if len(aps) < 10 {
			t.Fatalf("%d agent points", len(aps))
		}
		var without []string
		for _, ap := range aps {
			if ap.Name == "" || ap.Phone == "" || ap.Address == "" || ap.Hours == "" || ap.MarketDepts == nil || ap.TaxDepts == nil {
				t.Errorf("agent point %+v", ap)
			}
			if len(ap.MarketDepts) == 0 {
				without = append(without, ap.Code)
			}
		}
		if len(without) != 1 {
			t.Errorf("agent points without presets: %v, want exactly one", without)
		}
		sz := must(s.AgentPoint(ctx, "SZ01"))(t)
		if sz.Province != "440000" || model.OptionName(sz.MarketDepts, "M440300") != "深圳市市场监督管理局" ||
			model.OptionName(sz.TaxDepts, "T440300") != "国家税务总局深圳市税务局" || model.OptionName(sz.MarketDepts, "M110000") != "" {
			t.Errorf("SZ01 %+v", sz.Code)
		}
		_, err = s.AgentPoint(ctx, "XX99")
		wantErr(t, err, store.ErrNotFound, "unknown agent point")

		// Departments: the preset list, or all.
		all := must(s.Departments(ctx, store.DeptMarket, ""))(t)
		preset := must(s.Departments(ctx, store.DeptMarket, "SZ01"))(t)
		if !slices.Equal(preset, sz.MarketDepts) || len(all) <= len(preset) {
			t.Errorf("SZ01 market departments: %d preset, %d in all", len(preset), len(all))
		}
		noPreset := without[0]
		if got := must(s.Departments(ctx, store.DeptTax, noPreset))(t); !slices.Equal(got, must(s.Departments(ctx, store.DeptTax, ""))(t)) {
			t.Errorf("%s without presets does not offer all tax departments", noPreset)
		}
		for _, o := range all {
			if o.Code[0] != 'M' {
				t.Fatalf("market list holds %+v", o)
			}
		}
		_, err = s.Departments(ctx, "police", "")
		wantErr(t, err, store.ErrNotFound, "unknown kind")
		_, err = s.Departments(ctx, store.DeptTax, "XX99")
		wantErr(t, err, store.ErrNotFound, "departments of an unknown agent point")

		for _, c := range []struct {
			kind, ap, dept string
			want           bool
		}{
			{store.DeptMarket, "SZ01", "M440300", true},
			{store.DeptMarket, "SZ01", "M110000", false}, // outside the preset
			{store.DeptMarket, "SZ01", "T440300", false}, // wrong kind
			{store.DeptTax, "SZ01", "T440100", true},
			{store.DeptTax, noPreset, "T440100", true}, // all
			{store.DeptMarket, noPreset, "M650000", true},
			{store.DeptMarket, "", "M650000", true},
			{store.DeptMarket, "", "M999999", false},
			{store.DeptMarket, "XX99", "M440300", false}, // unknown agent point
			{"police", "SZ01", "M440300", false},
		} {
			if got := must(s.DepartmentAllowed(ctx, c.kind, c.ap, c.dept))(t); got != c.want {
				t.Errorf("DepartmentAllowed(%s, %s, %s) = %v, want %v", c.kind, c.ap, c.dept, got, c.want)
			}
		}
		if name := must(s.DepartmentName(ctx, "T440300"))(t); name != "国家税务总局深圳市税务局" {
			t.Errorf("DepartmentName = %q", name)
		}
	})
}
