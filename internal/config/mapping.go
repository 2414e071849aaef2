package config

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// entry is one key and value of a mapping, after merge keys are applied.
type entry struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// entries lists the keys of mapping n in file order, followed by keys
// merged in with "<<: *anchor" that the mapping does not set itself (YAML
// merge keys: an explicit key wins over a merged one, and an earlier merge
// source wins over a later one). A key written twice is an error, as is a
// key that is not a scalar.
func (d *decoder) entries(n *yaml.Node, path string) []entry {
	seen := make(map[string]bool, len(n.Content)/2)
	var own []entry
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, value := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			merges = append(merges, value)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(path, k.Line, "a key must be a plain name, not %s", d.describe(k))
			continue
		}
		if seen[k.Value] {
			d.errorf(keyPath(path, k.Value), k.Line, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		own = append(own, entry{key: k.Value, keyNode: k, value: value})
	}
	for _, m := range merges {
		for _, e := range d.mergeSources(m, path) {
			if !seen[e.key] {
				seen[e.key] = true
				own = append(own, e)
			}
		}
	}
	return own
}

// isMergeKey reports whether k is the YAML merge key "<<" (plain, or
// tagged !!merge).
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// mergeSources returns the entries a "<<" value brings in: a mapping, an
// alias of one, or a list of those.
func (d *decoder) mergeSources(n *yaml.Node, path string) []entry {
	if d.budget--; d.budget < 0 {
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		target := n.Alias
		if target == nil || d.active[target] {
			d.failf(path, n.Line, "alias *%s refers to itself", n.Value)
			return nil
		}
		d.active[target] = true
		defer delete(d.active, target)
		return d.mergeSources(target, path)
	case yaml.MappingNode:
		return d.entries(n, path)
	case yaml.SequenceNode:
		var out []entry
		for _, c := range n.Content {
			if c.Kind == yaml.SequenceNode {
				d.failf(path, c.Line, "<< takes a mapping or a list of mappings")
				continue
			}
			out = append(out, d.mergeSources(c, path)...)
		}
		return out
	}
	d.failf(path, n.Line, "<< takes a mapping or a list of mappings, got %s", d.describe(n))
	return nil
}

// suggest returns ` (did you mean "x"?)` for the known name closest to key
// when it is close enough to be a typo (an edit distance of at most one
// per four letters, and at most 3), else the list of known names.
func suggest(key string, known map[string]int) string {
	names := make([]string, 0, len(known))
	for name := range known {
		names = append(names, name)
	}
	sort.Strings(names)
	best, bestDist := "", min(3, len(key)/4+1)+1
	for _, name := range names {
		if dist := editDistance(strings.ToLower(key), name); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (keys here are: " + strings.Join(names, ", ") + ")"
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours cost 1.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return len(a) + len(b) // not a typo, and not worth the work
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
