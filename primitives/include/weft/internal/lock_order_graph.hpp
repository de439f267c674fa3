// weft/internal/lock_order_graph.hpp
//
// `weft::internal::lock_order_graph`: the lock-order graph behind weft's
// potential-deadlock warnings, shared by the checker (issue 3) and the
// runtime deadlock detector (issue 4).
//
// Nodes are locks, named by address. An edge `held -> acquired` says some
// thread acquired `acquired` while holding `held`. A cycle A -> B -> ... -> A
// means the program can deadlock if the threads that took those edges run at
// the same time, even when this run got lucky. Each edge keeps the site that
// created it (thread, where each lock was taken, the other locks held), so a
// report can say how each edge came to be:
//
//   lock_order_graph graph;
//   // thread 2 holds m1 (taken at f.cpp:10) and now takes m2 at f.cpp:12:
//   graph.on_acquire(2, &m2, loc12, std::array{held_lock{&m1, loc10}});
//   // thread 3 holds m2 and takes m1: closes m1 -> m2 -> m1.
//   auto cycles = graph.on_acquire(3, &m1, loc22, std::array{held_lock{&m2, loc20}});
//   // cycles[0] == {m1 -> m2 by thread 2 at f.cpp:10/12,
//   //               m2 -> m1 by thread 3 at f.cpp:20/22}
//
// What is reported. A cycle is reported when its edges can be attributed to
// sites (one per edge) that
//   * come from pairwise distinct threads (option `require_distinct_threads`):
//     a cycle one thread formed on its own cannot deadlock; and
//   * have pairwise disjoint gate sets (option `suppress_gated`): the gates of
//     a site are the locks its thread held besides the edge's two. If two
//     sites share a gate G, their threads cannot both be inside the cycle at
//     once, because G serializes them; in particular a cycle whose edges were
//     all taken under one common lock cannot deadlock.
// This is the Goodlock condition (Havelund 2000; Bensalem and Havelund 2005).
// Because the first site of an edge may fail these tests where a later one
// passes (another thread, no gate), an edge keeps up to
// `max_sites_per_edge` sites, skipping any site that an existing one
// dominates (same thread, or threads ignored; and a subset of its gates, or
// gates ignored). A site beyond the cap is dropped (counted in stats()).
//
// Each distinct cycle (its sequence of locks, up to rotation) is reported at
// most once, by the add_edge / on_acquire call whose edge (or new site) first
// makes it reportable, as its edges in cycle order ending with that call's
// edge. A call reports at most `max_cycles_per_search` cycles (by default
// one, the shortest it closes), so a lock that closes many cycles at once
// reports the shortest, not every one. forget() of a lock drops its edges
// and the record of the cycles reported through it, so a new lock at the
// same address starts afresh.
//
// The thread rule has a cost: if one thread (say a pool worker) runs both
// orders, nothing is reported until another thread takes one of them.
// Callers that want such cycles turn `require_distinct_threads` off.
//
// What callers must do, to avoid the known false positives: pass only the
// locks the thread holds right now (a lock released before the next is taken
// makes no edge); do not call on_acquire for a successful try_lock (it did not
// block, so it cannot be part of a deadlock) but do include the lock in later
// held sets; and decide for themselves how shared (reader) acquisitions count
// (adding them is conservative).
//
// Complexity (V locks, E edges, K = max_sites_per_edge, g = locks held):
//   * an edge already known with a dominating site: one hash lookup and
//     O(K * g^2) comparisons; no search, no allocation;
//   * a new edge or site: a breadth-first reachability search over the part
//     of the graph reachable from `acquired`, O(V + E). Only if `held` is
//     reachable (the edge closes a cycle): the cycle along the shortest path
//     is checked against the rules in O(L * K^L) at worst for L edges (the
//     site choices; in practice O(L)); if it is not reportable, or more
//     cycles are wanted, simple cycles through the edge are enumerated
//     depth-first over the locks that lie on some path from `acquired` to
//     `held`, until `max_cycles_per_search` reportable cycles were found or
//     `max_search_steps` edge and site visits were spent. A search cut off by
//     the step limit is counted in stats().truncated_searches: it may have
//     missed a reportable cycle through this edge;
//   * forget(lock): O(degree * neighbour degree), plus O(R * L) over the R
//     reported cycles when the lock is on one of them;
//   * memory: O(V + E * K * g) plus the reported cycles.
//
// Concurrency contract: a plain data structure with no internal locking.
// Calls on one graph must be serialized by the caller.
//
// Invalid: nothing is undefined for any argument values. An edge from a lock
// to itself (a recursive acquisition) is ignored, and the held lock and the
// acquired lock are never counted among a site's gates. Null addresses are
// locks like any other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "weft/seam/runtime.hpp"
#include "weft/source_location.hpp"

namespace weft::internal {

// How an edge came to be: one thread's acquisition of `acquired` while it
// held `held`.
struct lock_order_site {
  seam::thread_id thread = 0;
  weft::source_location held_where;      // where `held` was acquired
  weft::source_location acquired_where;  // where `acquired` was acquired
  std::vector<const void*> gates;        // the other locks held then; sorted, unique
};

struct lock_order_edge {
  const void* held = nullptr;
  const void* acquired = nullptr;
  lock_order_site site;
};

// Edges in cycle order: edges[i].acquired == edges[i + 1].held, and the last
// edge's `acquired` is the first edge's `held`.
using lock_order_cycle = std::vector<lock_order_edge>;

class lock_order_graph {
 public:
  struct options {
    // Report a cycle only if its edges come from pairwise distinct threads.
    bool require_distinct_threads = true;
    // Do not report a cycle whose sites share a gate lock.
    bool suppress_gated = true;
    // Sites kept per edge (at least 1: the first site is always kept).
    std::size_t max_sites_per_edge = 4;
    // Bounds on the search for reportable cycles after a new edge or site:
    // it stops once it has found this many (reported now or before). With 1,
    // an edge reports the shortest cycle it closes when the rules allow it,
    // and nothing if that cycle was reported before; more enumerates further
    // simple cycles through the edge (in a tangled graph they are many, and
    // long).
    std::size_t max_cycles_per_search = 1;
    std::size_t max_search_steps = 100'000;
  };

  // A lock the acquiring thread holds, and where it was acquired.
  struct held_lock {
    const void* lock = nullptr;
    weft::source_location where;
  };

  // Counters for tests, benchmarks and "why was nothing reported" questions.
  struct statistics {
    std::uint64_t edges_added = 0;         // new edges
    std::uint64_t sites_added = 0;         // sites added to known edges
    std::uint64_t duplicates = 0;          // calls that changed nothing
    std::uint64_t sites_dropped = 0;       // useful sites beyond max_sites_per_edge
    std::uint64_t searches = 0;            // reachability searches run
    std::uint64_t cycle_searches = 0;      // searches where the edge closed a cycle
    std::uint64_t search_steps = 0;        // edge and site visits, all searches
    std::uint64_t truncated_searches = 0;  // cut off by max_search_steps
    std::uint64_t cycles_reported = 0;
  };

  lock_order_graph() : lock_order_graph(options{}) {}
  explicit lock_order_graph(options opts);

  lock_order_graph(const lock_order_graph&) = delete;
  lock_order_graph& operator=(const lock_order_graph&) = delete;
  lock_order_graph(lock_order_graph&&) noexcept = default;
  lock_order_graph& operator=(lock_order_graph&&) noexcept = default;
  ~lock_order_graph();

  // Records that `thread` acquired `acquired` (at `acquired_where`) while
  // holding `held` (acquired at `held_where`) and the locks in `gates`
  // (others held at that moment; any order, duplicates and the two edge
  // locks allowed). Returns the cycles this edge makes reportable for the
  // first time, each ending with this edge; usually none.
  std::vector<lock_order_cycle> add_edge(seam::thread_id thread, const void* held,
                                         weft::source_location held_where, const void* acquired,
                                         weft::source_location acquired_where,
                                         std::span<const void* const> gates = {});

  // add_edge from every lock in `held` (the locks `thread` holds, in any
  // order) to `acquired`, each with the other held locks as gates. Returns
  // the cycles reported, in the order of `held`.
  std::vector<lock_order_cycle> on_acquire(seam::thread_id thread, const void* acquired,
                                           weft::source_location where,
                                           std::span<const held_lock> held);

  // Removes `lock`, its edges and the record of the cycles reported through
  // it (call it when a lock is destroyed: its address may be reused). Cheap
  // for a lock that has no edges.
  void forget(const void* lock);

  // Removes everything; options are kept, statistics reset.
  void clear();

  // Inspection, for reports and snapshots.
  [[nodiscard]] std::size_t lock_count() const noexcept { return nodes_.size(); }
  [[nodiscard]] std::size_t edge_count() const noexcept { return edges_.size(); }
  [[nodiscard]] bool has_edge(const void* held, const void* acquired) const;
  // The sites kept for an edge, the first site first; empty if no edge.
  [[nodiscard]] std::span<const lock_order_site> sites(const void* held,
                                                       const void* acquired) const;
  // Every edge with its first site, in no particular order.
  [[nodiscard]] std::vector<lock_order_edge> edges() const;
  [[nodiscard]] std::size_t reported_cycle_count() const noexcept { return reported_.size(); }
  [[nodiscard]] const statistics& stats() const noexcept { return stats_; }
  [[nodiscard]] const options& config() const noexcept { return options_; }

  // Verifies the internal invariants (adjacency lists agree with the edge
  // table, reported-cycle counts agree); throws std::logic_error naming the
  // broken one. For tests.
  void check_invariants() const;

 private:
  struct edge;
  struct node {
    const void* lock = nullptr;
    std::vector<edge*> out;
    std::vector<edge*> in;
    std::size_t reported_cycles = 0;  // reported cycles through this lock
    // Search scratch, valid for the search whose epoch it holds.
    std::uint64_t forward_mark = 0;
    std::uint64_t backward_mark = 0;
    edge* parent = nullptr;  // the edge the reachability search came in by
    bool on_path = false;
  };
  struct edge {
    node* from = nullptr;
    node* to = nullptr;
    std::vector<lock_order_site> sites;  // never empty; the first site first
    std::uint64_t path_mark = 0;         // search scratch
  };
  struct edge_key {
    const void* held;
    const void* acquired;
    bool operator==(const edge_key&) const = default;
  };
  struct edge_key_hash {
    std::size_t operator()(const edge_key& key) const noexcept;
  };
  struct cycle_hash {
    std::size_t operator()(const std::vector<const void*>& locks) const noexcept;
  };
  struct gate_view;
  struct search;

  std::vector<lock_order_cycle> add(seam::thread_id thread, const void* held,
                                    weft::source_location held_where, const void* acquired,
                                    weft::source_location acquired_where, const gate_view& gates);
  std::vector<lock_order_cycle> find_cycles(edge& closing, std::size_t site_index);
  node& node_for(const void* lock);
  void unreport_cycles_through(const void* lock);

  options options_;
  // Node-based containers: node and edge addresses stay valid across
  // rehashing, so adjacency lists hold pointers.
  std::unordered_map<const void*, node> nodes_;
  std::unordered_map<edge_key, edge, edge_key_hash> edges_;
  // Reported cycles as lock sequences rotated to start at the smallest
  // address.
  std::unordered_set<std::vector<const void*>, cycle_hash> reported_;
  std::uint64_t epoch_ = 0;
  statistics stats_;
};

// "thread 2 took mutex#1 (at f.cpp:10) then mutex#2 (at f.cpp:12); thread 3
// took mutex#2 (at f.cpp:20) then mutex#1 (at f.cpp:22)". `name` names a lock
// ("mutex#1"); by default its address.
std::string describe_cycle(const lock_order_cycle& cycle,
                           const std::function<std::string(const void*)>& name = {});

}  // namespace weft::internal
