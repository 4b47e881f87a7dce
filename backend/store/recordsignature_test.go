package store_test

import (
	"context"
	"testing"

	"eportid/app/model"
	"eportid/backend/store"
	"eportid/backend/store/storetest"
)

func TestRecordSignatures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ref := model.RecordRef{Kind: model.FilingLegalPerson, ID: 7}
		_, err := s.LatestRecordSignature(ctx, 1, ref)
		wantErr(t, err, store.ErrNotFound, "no signature")
		for v := 2; v <= 3; v++ {
			if _, err := s.AddRecordSignature(ctx, store.RecordSignature{EnterpriseID: 1, Kind: ref.Kind, RecordID: 7, Version: v,
				Action: model.ActionDeclare, CardNumber: "C1", HolderName: "张三", CertSerial: "ab",
				Signature: []byte{1}, Certificate: []byte{2}}); err != nil {
				t.Fatal(err)
			}
		}
		r := must(s.LatestRecordSignature(ctx, 1, ref))(t)
		if r.Version != 3 || r.CardNumber != "C1" || string(r.Signature) != "\x01" {
			t.Fatalf("latest %+v", r)
		}
		_, err = s.LatestRecordSignature(ctx, 2, ref)
		wantErr(t, err, store.ErrNotFound, "another enterprise's")
		if _, err := s.DB().Exec(`UPDATE record_signatures SET version = 9`); err == nil {
			t.Fatal("UPDATE of a signature accepted")
		}
	})
}
