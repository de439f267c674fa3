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
// How a new edge learns whether it closes a cycle, without a search in the
// common case. The graph keeps its strongly connected components (the locks
// that lie on a common cycle) and a topological order of them: a number per
// component such that every edge between two components goes from the
// smaller number to the larger (Pearce and Kelly's dynamic topological
// order, "A dynamic topological sort algorithm for directed acyclic graphs",
// JEA 2006, run on the graph of components, which is acyclic even when the
// lock graph is not). A new edge `held -> acquired`
//   * between components, in order: closes no cycle (a cycle would lead from
//     `acquired` back to `held`, against the order). Recorded; no search;
//   * between components, against the order: Pearce-Kelly's bounded search
//     over the affected region (the components numbered between the two,
//     forward from `acquired` and backward from `held`) either reorders that
//     region or, when it reaches `held`, finds that the edge closes a cycle;
//     then the components on the cycles (reached both ways) merge into one;
//   * inside one component: closes a cycle.
// A lock new to the graph has no edges, so it can go anywhere in the order:
// a new `held` goes to the bottom, a new `acquired` to the top, and the edge
// that brought it agrees with the order.
// An edge that closes a cycle runs the search for reportable cycles below,
// confined to the component (every cycle through the edge lies in it). A new
// site on a known edge closes a cycle exactly when the edge is inside a
// component; between components it costs no search. So the reports are the
// same as those of a plain reachability search per new edge or site, and
// only the cost differs. forget() recomputes the components of the lock's
// component (Tarjan), which falls apart when the lock held its cycles
// together.
//
// Complexity (V locks, E edges, K = max_sites_per_edge, g = locks held):
//   * an edge already known with a dominating site: one hash lookup and
//     O(K * g^2) comparisons; no search, no allocation;
//   * a new edge or site between components, in the order: O(1) beyond the
//     insertion; no search;
//   * a new edge against the order: Pearce-Kelly's search and reordering,
//     O(r log r + e_r) for the r components (their locks' e_r edges) in the
//     affected region; at worst O(V log V + E), typically far less. It scans
//     both sides of the region, so a wide reorder costs a few times one
//     reachability search from `acquired` (see bench_lock_order_graph). A
//     merge moves the locks of all but the largest merged component;
//   * an edge or site inside a component (it closes a cycle): a
//     breadth-first search confined to the component, O(V_c + E_c). The cycle
//     along the shortest path is checked against the rules in O(L * K^L) at
//     worst for L edges (the site choices; in practice O(L)); if it is not
//     reportable, or more cycles are wanted, simple cycles through the edge
//     are enumerated depth-first over the locks that lie on some path from
//     `acquired` to `held`, until `max_cycles_per_search` reportable cycles
//     were found or `max_search_steps` edge and site visits were spent. A
//     search cut off by the step limit is counted in
//     stats().truncated_searches: it may have missed a reportable cycle
//     through this edge;
//   * forget(lock): O(degree * neighbour degree), plus O(R * L) over the R
//     reported cycles when the lock is on one of them, plus, when it is in a
//     component of several locks, O(V_c + E_c) to recompute that component's
//     components and, if it splits, O(V) to make room for them in the order;
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
    std::uint64_t searches = 0;            // reorder searches plus cycle searches
    std::uint64_t cycle_searches = 0;      // searches where the edge closed a cycle
    std::uint64_t search_steps = 0;        // edge and site visits, all searches
    std::uint64_t truncated_searches = 0;  // cut off by max_search_steps
    std::uint64_t cycles_reported = 0;
    // The topological order (see "How a new edge learns ..." above).
    std::uint64_t additions_without_search = 0;  // new edges and sites the order cleared
    std::uint64_t reorder_searches = 0;          // new edges against the order
    std::uint64_t reorder_visits = 0;            // locks whose edges those searches scanned
    std::uint64_t components_merged = 0;         // components absorbed into another
    std::uint64_t components_split = 0;          // components forget() broke up
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
  // table, reported-cycle counts agree, the components are exactly the
  // strongly connected components and every edge between two of them agrees
  // with the topological order); throws std::logic_error naming the broken
  // one. O(V + E + R * L). For tests.
  void check_invariants() const;

 private:
  struct edge;
  struct node {
    const void* lock = nullptr;
    // The strongly connected component: its representative, one of its
    // locks, which holds the component's place in the topological order and,
    // for a component of two or more locks, its members (itself included).
    // (The fields the searches read come first, to share cache lines.)
    node* component = nullptr;
    std::uint64_t order = 0;
    // Search scratch, valid for the search whose epoch it holds. The reorder
    // search marks representatives, the cycle search locks.
    std::uint64_t forward_mark = 0;
    std::uint64_t backward_mark = 0;
    std::vector<edge*> out;
    std::vector<edge*> in;
    std::vector<node*> members;
    std::size_t reported_cycles = 0;  // reported cycles through this lock
    edge* parent = nullptr;           // the edge the reachability search came in by
    bool on_path = false;             // also: on Tarjan's stack
    std::size_t index = 0;            // Tarjan's numbering; 0: not visited yet
    std::size_t low = 0;
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
  void reorder(node* from, node* to);
  void merge(std::vector<node*>& components, std::uint64_t order);
  void split(const std::vector<const void*>& locks, std::uint64_t order);
  enum class end { bottom, top };
  node& node_for(const void* lock, end place);
  void unreport_cycles_through(const void* lock);
  void check_order() const;

  options options_;
  // Node-based containers: node and edge addresses stay valid across
  // rehashing, so adjacency lists hold pointers.
  std::unordered_map<const void*, node> nodes_;
  std::unordered_map<edge_key, edge, edge_key_hash> edges_;
  // Reported cycles as lock sequences rotated to start at the smallest
  // address.
  std::unordered_set<std::vector<const void*>, cycle_hash> reported_;
  std::uint64_t epoch_ = 0;
  // Every component's order lies strictly between these. A new lock takes
  // one of them; starting in the middle, neither runs out in 2^63 locks.
  static constexpr std::uint64_t middle = std::uint64_t{1} << 63;
  std::uint64_t bottom_ = middle - 1;
  std::uint64_t top_ = middle;
  statistics stats_;
};

// "thread 2 took mutex#1 (at f.cpp:10) then mutex#2 (at f.cpp:12); thread 3
// took mutex#2 (at f.cpp:20) then mutex#1 (at f.cpp:22)". `name` names a lock
// ("mutex#1"); by default its address.
std::string describe_cycle(const lock_order_cycle& cycle,
                           const std::function<std::string(const void*)>& name = {});

}  // namespace weft::internal
