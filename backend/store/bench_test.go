package store_test

import (
	"context"
	"testing"

	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

// BenchmarkDeclare measures 暂存 + 申报 round trips on PostgreSQL: per
// iteration, a new enterprise's filing is created, saved and declared.
// decl/s is declarations (each with its save and create) per second.
func BenchmarkDeclare(b *testing.B) {
	for _, d := range []string{store.Postgres, store.SQLite} {
		b.Run(d, func(b *testing.B) {
			s := storetest.OpenEmpty(b, d)
			ctx := context.Background()
			p := sampleLegalPerson()
			ents := make([]store.Enterprise, 0, 1024)
			for range 1024 {
				ents = append(ents, newEnterprise(b, s))
			}
			b.ResetTimer()
			n := 0
			for b.Loop() {
				if n == len(ents) {
					b.StopTimer()
					ents = append(ents, newEnterprise(b, s))
					b.StartTimer()
				}
				e := ents[n]
				n++
				r, err := s.CreateLegalPerson(ctx, e.ID, "bench", p)
				if err != nil {
					b.Fatal(err)
				}
				r, err = s.SaveLegalPerson(ctx, e.ID, r.ID, r.Version, "bench", p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.DeclareLegalPerson(ctx, e.ID, r.ID, r.Version, "bench", p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "decl/s")
		})
	}
}
