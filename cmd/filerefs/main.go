// Command filerefs counts, in each Go package named, the references between its files
// (a file using a name declared in another file of the package), and how many of them
// run back up: with the files ordered so that as few as possible do, a file calling into
// one above it. A package whose files read top-down, each using only those below it, has
// none; references that must run back up mark files that only make sense read together.
//
//	go run ./cmd/filerefs ./ivr ./ivr/desk ./ivr/followup ./ivr/asterisk
package main

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: filerefs DIR...")
		os.Exit(2)
	}
	for _, dir := range os.Args[1:] {
		if err := count(dir); err != nil {
			fmt.Fprintln(os.Stderr, "filerefs:", dir+":", err)
			os.Exit(1)
		}
	}
}

func count(dir string) error {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	var files []*ast.File
	var paths []string
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
		paths = append(paths, filepath.Base(n))
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check(dir, fset, files, info)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for i, p := range paths {
		index[p] = i
	}
	n := len(paths)
	edges := make([][]int, n) // edges[a][b]: uses in file a of names declared in file b
	used := make([][]map[string]bool, n)
	for i := range edges {
		edges[i] = make([]int, n)
		used[i] = make([]map[string]bool, n)
	}
	for id, obj := range info.Uses {
		if obj.Pkg() != pkg || !obj.Pos().IsValid() {
			continue
		}
		from, to := index[filepath.Base(fset.Position(id.Pos()).Filename)], index[filepath.Base(fset.Position(obj.Pos()).Filename)]
		if from != to && declaredAtTop(obj) {
			edges[from][to]++
			if used[from][to] == nil {
				used[from][to] = map[string]bool{}
			}
			used[from][to][obj.Name()] = true
		}
	}
	pairs := 0
	for a := range n {
		for b := range n {
			if edges[a][b] > 0 {
				pairs++
			}
		}
	}
	order, back := bestOrder(edges)
	fmt.Printf("%s: %d files, %d file-to-file references, %d run back up\n", dir, n, pairs, back)
	fmt.Printf("  order (each file uses those after it): ")
	for i, f := range order {
		if i > 0 {
			fmt.Print(" > ")
		}
		fmt.Print(paths[f])
	}
	fmt.Println()
	pos := make([]int, n)
	for i, f := range order {
		pos[f] = i
	}
	var ups []string
	for a := range n {
		for b := range n {
			if edges[a][b] > 0 && pos[b] < pos[a] {
				var names []string
				for name := range used[a][b] {
					names = append(names, name)
				}
				sort.Strings(names)
				if len(names) > 8 {
					names = append(names[:8], "...")
				}
				ups = append(ups, fmt.Sprintf("    back up: %s uses %s (%d: %s)", paths[a], paths[b], edges[a][b], strings.Join(names, ", ")))
			}
		}
	}
	sort.Strings(ups)
	for _, u := range ups {
		fmt.Println(u)
	}
	return nil
}

// declaredAtTop reports whether an object is a package-level name, a method or a
// struct field: what one file can use of another's.
func declaredAtTop(obj types.Object) bool {
	switch o := obj.(type) {
	case *types.Func:
		return true
	case *types.Var:
		return o.IsField() || o.Parent() == o.Pkg().Scope()
	case *types.TypeName, *types.Const:
		return obj.Parent() == obj.Pkg().Scope()
	}
	return false
}

// bestOrder finds the order of the files with the fewest file pairs whose reference runs
// back up (a later file using an earlier one), exactly, by dynamic programming over the
// sets of files placed first.
func bestOrder(edges [][]int) ([]int, int) {
	n := len(edges)
	full := 1<<n - 1
	cost := make([]int, full+1)
	from := make([]int, full+1)
	for s := 1; s <= full; s++ {
		cost[s] = 1 << 30
		for j := range n {
			if s&(1<<j) == 0 {
				continue
			}
			prev := s &^ (1 << j)
			c := cost[prev]
			for i := range n { // j placed after prev: its uses of files in prev run back up
				if prev&(1<<i) != 0 && edges[j][i] > 0 {
					c++
				}
			}
			if c < cost[s] {
				cost[s], from[s] = c, j
			}
		}
	}
	order := make([]int, 0, n)
	for s := full; s != 0; s &^= 1 << from[s] {
		order = append(order, from[s])
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order, cost[full]
}
