package main

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strconv"
	"sync"

	"eportid/app/model"
	"eportid/backend/auth"
	"eportid/backend/store"
)

// The soak's fixtures are made through the store before the load: the
// enterprises and their no-card administrators (one password hash for
// all: argon2id is paid once, not per user) and the reviewers of agent
// point FJ01, whose TOTP secrets the soak made and so can answer.

// Password is every soak user's password.
const Password = "soak password 1"

// AgentPoint is where every soak declaration goes.
const AgentPoint = "FJ01"

type fixtureUser struct {
	EnterpriseID int64
	CreditCode   string
	Name         string
	Username     string
	UserID       int64
}

type fixtureReviewer struct {
	Username string
	Secret   []byte
}

// creditCode is the n-th valid unified social credit code of run (a
// number that keeps runs on one database apart).
func creditCode(run, n int) (string, error) {
	c17 := fmt.Sprintf("9135%04d%09d", run%10000, n)
	ch, err := model.CreditCodeCheckChar(c17)
	if err != nil {
		return "", err
	}
	return c17 + string(ch), nil
}

// makeUsers creates n enterprises, each with a no-card administrator
// "soak<run>-<i>" of Password, with 4 goroutines.
func makeUsers(ctx context.Context, st *store.Store, hasher *auth.Hasher, run, n int) ([]fixtureUser, error) {
	hash, err := hasher.Hash(ctx, Password)
	if err != nil {
		return nil, err
	}
	out := make([]fixtureUser, n)
	err = forEach(ctx, n, min(4, runtime.NumCPU()*2), func(i int) (err error) {
		out[i], err = makeUser(ctx, st, hash, run, i)
		return err
	})
	return out, err
}

// forEach runs fn(i) for every i in [0, n) on workers goroutines, until ctx
// is done, and returns the first error (every i is still tried).
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return first
}

func makeUser(ctx context.Context, st *store.Store, hash string, run, i int) (fixtureUser, error) {
	cc, err := creditCode(run, i)
	if err != nil {
		return fixtureUser{}, err
	}
	name := "压力测试企业" + strconv.Itoa(run) + "-" + strconv.Itoa(i)
	ent, err := st.CreateEnterprise(ctx, store.Enterprise{CreditCode: cc, NameCN: name})
	if err != nil {
		return fixtureUser{}, fmt.Errorf("enterprise %d: %w", i, err)
	}
	username := fmt.Sprintf("soak%d-%d", run, i)
	u, err := st.CreateUser(ctx, store.User{EnterpriseID: ent.ID, Username: username, PasswordHash: hash, Role: model.RoleNoCardAdmin})
	if err != nil {
		return fixtureUser{}, fmt.Errorf("user %s: %w", username, err)
	}
	return fixtureUser{EnterpriseID: ent.ID, CreditCode: cc, Name: name, Username: username, UserID: u.ID}, nil
}

// makeReviewers creates n reviewers of AgentPoint with Password and a
// new TOTP secret each.
func makeReviewers(ctx context.Context, st *store.Store, hasher *auth.Hasher, run, n int) ([]fixtureReviewer, error) {
	hash, err := hasher.Hash(ctx, Password)
	if err != nil {
		return nil, err
	}
	var out []fixtureReviewer
	for i := range n {
		name := fmt.Sprintf("soak%d-reviewer-%d", run, i)
		secret := auth.NewTOTPSecret()
		if _, err := st.CreateReviewer(ctx, store.User{Username: name, PasswordHash: hash}, AgentPoint, secret); err != nil {
			return nil, fmt.Errorf("reviewer %s: %w", name, err)
		}
		out = append(out, fixtureReviewer{Username: name, Secret: secret})
	}
	return out, nil
}

// legalPerson is a legal-person filing of u that declares at AgentPoint.
func legalPerson(u fixtureUser, address string) model.Fields {
	return model.Fields{
		"credit_code": u.CreditCode, "name_cn": u.Name, "enterprise_type": "1100",
		"province": "350000", "city": "350100", "address": address,
		"legal_rep_name": "张三", "legal_rep_id_type": model.IDTypeResident, "legal_rep_id_number": "11010519491231002X",
		"phone": "0591-87654321", "agent_point": AgentPoint, "market_dept": "M350000", "tax_dept": "T350000",
	}
}

// nextRun is a number not used by an earlier run on this database: one
// more than the highest soak user's.
func nextRun(ctx context.Context, db *sql.DB) (int, error) {
	var n sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT MAX(CAST(substring(username FROM '^soak([0-9]+)-') AS BIGINT)) FROM users WHERE username ~ '^soak[0-9]+-'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("soak: runs so far: %w", err)
	}
	return int(n.Int64) + 1, nil
}
