package lfe_test

import (
	"fmt"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

func ExampleLogStore() {
	logs, _ := lfe.NewLogStore(lfe.LogStoreOptions{Capacity: 10000}) // fails only on bad options
	defer logs.Close()

	const web = 1
	_, _ = logs.AppendString(web, lfe.Stdout, "server listening on http://localhost:3000")
	// A batch crosses cgo once.
	_, _ = logs.AppendStrings(web, lfe.Stderr, []string{
		"GET /api/users 500",
		"ERROR TypeError: Cannot read properties of undefined",
	})
	_ = logs.Sync() // wait for enrichment (it runs off the append path)

	tail, _ := logs.Tail(2)
	for _, l := range tail {
		fmt.Println(l.Seq, l.Text)
	}
	hits, _ := logs.Search(lfe.Query{Pattern: `TypeError`, Literal: true})
	fmt.Println(len(hits), hits[0].Seq)
	urls, _ := logs.URLs()
	fmt.Println(len(urls))
	// Output:
	// 1 GET /api/users 500
	// 2 ERROR TypeError: Cannot read properties of undefined
	// 1 2
	// 1
}
