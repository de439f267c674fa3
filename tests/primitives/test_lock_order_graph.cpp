// The lock-order graph: inversions reported once with their sites, the
// suppression rules (gate locks, single-threaded cycles), forget, the
// incremental search checked against a brute-force enumeration of cycles on
// random graphs, and the topological order (Pearce-Kelly over the strongly
// connected components): no search for an edge the order agrees with, and
// the same reports as a reachability search per edge (lock_order_reference.hpp)
// on random call sequences.
#include "weft/internal/lock_order_graph.hpp"

#include <catch2/catch.hpp>

#include "lock_order_reference.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

using weft::internal::describe_cycle;
using weft::internal::lock_order_cycle;
using weft::internal::lock_order_graph;
using held_lock = lock_order_graph::held_lock;

namespace {

const weft::source_location here = weft::source_location::current();

// The locks of a cycle in order, as indices into `locks`.
template <std::size_t N>
std::vector<int> lock_indices(const lock_order_cycle& cycle, const std::array<char, N>& locks) {
  std::vector<int> out;
  for (const auto& e : cycle) {
    out.push_back(static_cast<int>(static_cast<const char*>(e.held) - locks.data()));
  }
  return out;
}

// Rotated to start at the smallest index: how both the graph and the
// reference identify a cycle.
std::vector<int> canonical(std::vector<int> cycle) {
  std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
  return cycle;
}

// Checks the shape every reported cycle has: consecutive edges that close,
// ending with the edge just added, and witnesses that satisfy the rules.
void check_shape(const lock_order_cycle& cycle, const void* held, const void* acquired,
                 const lock_order_graph& graph) {
  REQUIRE(cycle.size() >= 2);
  bool closes = true;
  bool edges_exist = true;
  bool threads_distinct = true;
  bool gates_disjoint = true;
  std::set<weft::seam::thread_id> threads;
  std::set<const void*> gates;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const auto& e = cycle[i];
    closes = closes && e.acquired == cycle[(i + 1) % cycle.size()].held;
    edges_exist = edges_exist && graph.has_edge(e.held, e.acquired);
    threads_distinct = threads.insert(e.site.thread).second && threads_distinct;
    for (const void* g : e.site.gates)
      gates_disjoint = gates.insert(g).second && gates_disjoint;
  }
  CHECK(closes);
  CHECK(edges_exist);
  if (graph.config().require_distinct_threads) CHECK(threads_distinct);
  if (graph.config().suppress_gated) CHECK(gates_disjoint);
  CHECK(cycle.back().held == held);
  CHECK(cycle.back().acquired == acquired);
}

}  // namespace

TEST_CASE("a two-lock inversion is reported once with both sites", "[lock_order]") {
  lock_order_graph graph;
  int m1 = 0;
  int m2 = 0;
  const auto t2_took_m1 = weft::source_location::current();
  const auto t2_took_m2 = weft::source_location::current();
  const auto t3_took_m2 = weft::source_location::current();
  const auto t3_took_m1 = weft::source_location::current();

  const std::array t2_holds{held_lock{&m1, t2_took_m1}};
  CHECK(graph.on_acquire(2, &m2, t2_took_m2, t2_holds).empty());
  const std::array t3_holds{held_lock{&m2, t3_took_m2}};
  const auto cycles = graph.on_acquire(3, &m1, t3_took_m1, t3_holds);

  REQUIRE(cycles.size() == 1);
  const lock_order_cycle& cycle = cycles[0];
  REQUIRE(cycle.size() == 2);
  CHECK(cycle[0].held == &m1);
  CHECK(cycle[0].acquired == &m2);
  CHECK(cycle[0].site.thread == 2);
  CHECK(cycle[0].site.held_where.line() == t2_took_m1.line());
  CHECK(cycle[0].site.acquired_where.line() == t2_took_m2.line());
  CHECK(cycle[0].site.gates.empty());
  CHECK(cycle[1].held == &m2);
  CHECK(cycle[1].acquired == &m1);
  CHECK(cycle[1].site.thread == 3);
  CHECK(cycle[1].site.held_where.line() == t3_took_m2.line());
  CHECK(cycle[1].site.acquired_where.line() == t3_took_m1.line());

  const auto name = [&](const void* lock) {
    return std::string(lock == &m1 ? "mutex#1" : "mutex#2");
  };
  const auto at = [](weft::source_location where) {
    return "test_lock_order_graph.cpp:" + std::to_string(where.line());
  };
  CHECK(describe_cycle(cycle, name) == "thread 2 took mutex#1 (at " + at(t2_took_m1) +
                                           ") then mutex#2 (at " + at(t2_took_m2) +
                                           "); thread 3 took mutex#2 (at " + at(t3_took_m2) +
                                           ") then mutex#1 (at " + at(t3_took_m1) + ")");
  CHECK(describe_cycle(cycle).find("thread 3 took ") != std::string::npos);

  // The same inversion again, by the same or other threads, is not news.
  CHECK(graph.on_acquire(3, &m1, t3_took_m1, t3_holds).empty());
  CHECK(graph.on_acquire(4, &m1, t3_took_m1, t3_holds).empty());
  CHECK(graph.on_acquire(5, &m2, t2_took_m2, t2_holds).empty());
  CHECK(graph.reported_cycle_count() == 1);
  CHECK(graph.stats().cycles_reported == 1);
  graph.check_invariants();
}

TEST_CASE("locks always taken in one order are never reported", "[lock_order]") {
  const int lock_count = GENERATE(2, 5, 12);
  lock_order_graph graph;
  std::vector<char> locks(static_cast<std::size_t>(lock_count));
  std::mt19937 rng(42);
  std::bernoulli_distribution take(0.5);
  // Each "thread" takes a random subset of the locks in address order,
  // holding all of them (nested), as a lock hierarchy prescribes.
  for (weft::seam::thread_id thread = 1; thread <= 40; ++thread) {
    std::vector<held_lock> held;
    for (char& lock : locks) {
      if (!take(rng)) continue;
      CHECK(graph.on_acquire(thread, &lock, here, held).empty());
      held.push_back({&lock, here});
    }
  }
  CHECK(graph.reported_cycle_count() == 0);
  CHECK(graph.stats().cycle_searches == 0);
  CHECK(graph.edge_count() <= static_cast<std::size_t>(lock_count * (lock_count - 1) / 2));
  graph.check_invariants();
}

TEST_CASE("a three-lock cycle is found when its last edge is added", "[lock_order]") {
  lock_order_graph graph;
  int a = 0;
  int b = 0;
  int c = 0;
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(2, &b, here, &c, here).empty());
  const auto cycles = graph.add_edge(3, &c, here, &a, here);
  REQUIRE(cycles.size() == 1);
  REQUIRE(cycles[0].size() == 3);
  CHECK(cycles[0][0].held == &a);
  CHECK(cycles[0][0].site.thread == 1);
  CHECK(cycles[0][1].held == &b);
  CHECK(cycles[0][1].site.thread == 2);
  CHECK(cycles[0][2].held == &c);
  CHECK(cycles[0][2].acquired == &a);
  CHECK(cycles[0][2].site.thread == 3);

  // The two-lock inversion a <-> c is a different cycle: reported too.
  const auto more = graph.add_edge(4, &a, here, &c, here);
  REQUIRE(more.size() == 1);
  CHECK(more[0].size() == 2);
  CHECK(graph.reported_cycle_count() == 2);
  graph.check_invariants();
}

TEST_CASE("a gate lock held across both orders suppresses the cycle", "[lock_order]") {
  lock_order_graph graph;
  int gate = 0;
  int a = 0;
  int b = 0;
  int c = 0;

  SECTION("two locks under one gate") {
    CHECK(graph.on_acquire(1, &b, here, std::array{held_lock{&gate, here}, held_lock{&a, here}})
              .empty());
    CHECK(graph.on_acquire(2, &a, here, std::array{held_lock{&gate, here}, held_lock{&b, here}})
              .empty());
    CHECK(graph.sites(&a, &b).front().gates == std::vector<const void*>{&gate});
    // Without the gate the same inversion can deadlock: the new site is kept
    // and closes the cycle.
    const auto cycles = graph.on_acquire(3, &a, here, std::array{held_lock{&b, here}});
    REQUIRE(cycles.size() == 1);
    CHECK(cycles[0].back().site.thread == 3);
    CHECK(cycles[0].back().site.gates.empty());
    CHECK(cycles[0].front().site.thread == 1);
  }

  SECTION("three locks under one gate") {
    CHECK(graph.add_edge(1, &a, here, &b, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(graph.add_edge(2, &b, here, &c, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(graph.add_edge(3, &c, here, &a, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(graph.stats().cycle_searches == 1);
  }

  SECTION("a gate shared by two of three edges suffices") {
    CHECK(graph.add_edge(1, &a, here, &b, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(graph.add_edge(2, &b, here, &c, here).empty());
    CHECK(graph.add_edge(3, &c, here, &a, here, std::array<const void*, 1>{&gate}).empty());
  }

  SECTION("with suppression off, the gated cycle is reported") {
    lock_order_graph::options opts;
    opts.suppress_gated = false;
    lock_order_graph ungated(opts);
    CHECK(ungated.add_edge(1, &a, here, &b, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(ungated.add_edge(2, &b, here, &a, here, std::array<const void*, 1>{&gate}).size() == 1);
  }
  graph.check_invariants();
}

TEST_CASE("a cycle formed by one thread alone is not reported", "[lock_order]") {
  lock_order_graph graph;
  int a = 0;
  int b = 0;
  CHECK(graph.add_edge(7, &a, here, &b, here).empty());
  CHECK(graph.add_edge(7, &b, here, &a, here).empty());
  CHECK(graph.stats().cycle_searches == 1);
  // Another thread taking either order makes it a potential deadlock.
  const auto cycles = graph.add_edge(8, &b, here, &a, here);
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0].front().site.thread == 7);
  CHECK(cycles[0].back().site.thread == 8);
  CHECK(graph.sites(&b, &a).size() == 2);

  lock_order_graph::options opts;
  opts.require_distinct_threads = false;
  lock_order_graph any_thread(opts);
  CHECK(any_thread.add_edge(7, &a, here, &b, here).empty());
  CHECK(any_thread.add_edge(7, &b, here, &a, here).size() == 1);
}

TEST_CASE("forget removes a lock, its edges and its reported cycles", "[lock_order]") {
  lock_order_graph graph;
  int a = 0;
  int b = 0;
  int c = 0;
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(1, &b, here, &c, here).empty());
  CHECK(graph.add_edge(2, &b, here, &a, here).size() == 1);
  CHECK(graph.lock_count() == 3);
  CHECK(graph.edge_count() == 3);

  graph.forget(&a);
  graph.check_invariants();
  CHECK_FALSE(graph.has_edge(&a, &b));
  CHECK_FALSE(graph.has_edge(&b, &a));
  CHECK(graph.has_edge(&b, &c));
  CHECK(graph.lock_count() == 2);
  CHECK(graph.edge_count() == 1);
  CHECK(graph.reported_cycle_count() == 0);
  CHECK(graph.sites(&a, &b).empty());

  // A new lock at the same address starts afresh: its inversion is news.
  CHECK(graph.add_edge(3, &a, here, &b, here).empty());
  CHECK(graph.add_edge(4, &b, here, &a, here).size() == 1);

  // Forgetting the only partner of a lock leaves neither in the graph.
  graph.forget(&c);
  graph.forget(&c);  // not a lock of the graph: nothing happens
  CHECK(graph.lock_count() == 2);
  graph.forget(&b);
  CHECK(graph.lock_count() == 0);
  CHECK(graph.edge_count() == 0);
  graph.check_invariants();

  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  graph.clear();
  CHECK(graph.lock_count() == 0);
  CHECK(graph.stats().edges_added == 0);
  graph.check_invariants();
}

TEST_CASE("a known edge costs no search and reports nothing again", "[lock_order]") {
  lock_order_graph graph;
  int a = 0;
  int b = 0;
  int gate = 0;
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(2, &b, here, &a, here).size() == 1);
  const auto searches = graph.stats().searches;
  for (int i = 0; i < 100; ++i) {
    // Same thread, or more gates than a kept site: dominated.
    CHECK(graph.add_edge(1, &a, here, &b, here).empty());
    CHECK(graph.add_edge(2, &b, here, &a, here, std::array<const void*, 1>{&gate}).empty());
    CHECK(graph.add_edge(2, &b, here, &a, here, std::array<const void*, 2>{&a, &b}).empty());
  }
  CHECK(graph.stats().searches == searches);
  CHECK(graph.stats().duplicates == 300);
  CHECK(graph.sites(&a, &b).size() == 1);
  CHECK(graph.edge_count() == 2);

  // A self edge (a recursive acquisition) is no edge.
  CHECK(graph.add_edge(1, &a, here, &a, here).empty());
  CHECK_FALSE(graph.has_edge(&a, &a));

  // Sites beyond the cap are dropped, and counted.
  lock_order_graph::options opts;
  opts.max_sites_per_edge = 2;
  lock_order_graph capped(opts);
  for (weft::seam::thread_id t = 1; t <= 5; ++t)
    CHECK(capped.add_edge(t, &a, here, &b, here).empty());
  CHECK(capped.sites(&a, &b).size() == 2);
  CHECK(capped.sites(&a, &b).front().thread == 1);
  CHECK(capped.stats().sites_dropped == 3);
  capped.check_invariants();
}

namespace {

// The reference: every site ever added, by edge; cycles by brute force.
struct reference_site {
  weft::seam::thread_id thread;
  std::set<int> gates;  // indices: graph locks and extra gate locks alike
};

struct reference_graph {
  int size;
  std::map<std::pair<int, int>, std::vector<reference_site>> edges;

  // Whether sites can be chosen, one per edge of `cycle`, that satisfy the
  // reporting rules.
  [[nodiscard]] bool reportable(const std::vector<int>& cycle,
                                const lock_order_graph& graph) const {
    std::vector<const reference_site*> chosen;
    return choose(cycle, 0, chosen, graph.config());
  }

  bool choose(const std::vector<int>& cycle, std::size_t i,
              std::vector<const reference_site*>& chosen,
              const lock_order_graph::options& opts) const {
    if (i == cycle.size()) return true;
    const auto& sites = edges.at({cycle[i], cycle[(i + 1) % cycle.size()]});
    for (const reference_site& s : sites) {
      const bool fits = std::none_of(chosen.begin(), chosen.end(), [&](const reference_site* c) {
        if (opts.require_distinct_threads && c->thread == s.thread) return true;
        if (!opts.suppress_gated) return false;
        return std::any_of(s.gates.begin(), s.gates.end(),
                           [&](int g) { return c->gates.contains(g); });
      });
      if (!fits) continue;
      chosen.push_back(&s);
      if (choose(cycle, i + 1, chosen, opts)) return true;
      chosen.pop_back();
    }
    return false;
  }

  // Every simple cycle, each found once from its smallest lock.
  [[nodiscard]] std::set<std::vector<int>> cycles() const {
    std::set<std::vector<int>> out;
    std::vector<int> path;
    std::vector<bool> on_path(static_cast<std::size_t>(size), false);
    for (int start = 0; start < size; ++start) {
      path.assign(1, start);
      extend(start, path, on_path, out);
    }
    return out;
  }

  void extend(int start, std::vector<int>& path, std::vector<bool>& on_path,
              std::set<std::vector<int>>& out) const {
    const int last = path.back();
    for (auto it = edges.lower_bound({last, 0}); it != edges.end() && it->first.first == last;
         ++it) {
      const int next = it->first.second;
      if (next == start) {
        out.insert(path);
      } else if (next > start && !on_path[static_cast<std::size_t>(next)]) {
        on_path[static_cast<std::size_t>(next)] = true;
        path.push_back(next);
        extend(start, path, on_path, out);
        path.pop_back();
        on_path[static_cast<std::size_t>(next)] = false;
      }
    }
  }

  void forget(int lock) {
    for (auto it = edges.begin(); it != edges.end();) {
      it = (it->first.first == lock || it->first.second == lock) ? edges.erase(it) : std::next(it);
    }
  }
};

}  // namespace

TEST_CASE("reported cycles match a brute-force enumeration on random graphs",
          "[lock_order][reference]") {
  const bool rules = GENERATE(false, true);
  const std::uint32_t seed = GENERATE(1U, 2U, 3U, 4U, 5U, 6U);
  CAPTURE(rules, seed);
  constexpr int lock_total = 8;
  constexpr int extra_gates = 2;
  std::array<char, lock_total + extra_gates> locks{};

  lock_order_graph::options opts;
  opts.require_distinct_threads = rules;
  opts.suppress_gated = rules;
  opts.max_sites_per_edge = 64;  // the reference keeps every site
  opts.max_cycles_per_search = 1'000'000;
  opts.max_search_steps = 100'000'000;
  lock_order_graph graph(opts);
  reference_graph reference{lock_total, {}};
  std::set<std::vector<int>> reported;  // canonical, minus forgotten locks

  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pick_lock(0, lock_total - 1);
  std::uniform_int_distribution<int> pick_gate(0, lock_total + extra_gates - 1);
  std::uniform_int_distribution<weft::seam::thread_id> pick_thread(1, 3);
  std::uniform_int_distribution<int> pick_gate_count(0, 2);
  std::uniform_int_distribution<int> percent(0, 99);

  for (int step = 0; step < 60; ++step) {
    if (percent(rng) < 5) {
      const int lock = pick_lock(rng);
      graph.forget(&locks[static_cast<std::size_t>(lock)]);
      reference.forget(lock);
      std::erase_if(reported, [&](const std::vector<int>& c) {
        return std::find(c.begin(), c.end(), lock) != c.end();
      });
    } else {
      const int held = pick_lock(rng);
      const int acquired = pick_lock(rng);
      if (held == acquired) continue;
      const weft::seam::thread_id thread = rules ? pick_thread(rng) : 1;
      std::vector<const void*> gates;
      std::set<int> gate_set;
      const int gate_count = rules ? pick_gate_count(rng) : 0;
      for (int g = 0; g < gate_count; ++g) {
        const int gate = pick_gate(rng);
        gates.push_back(&locks[static_cast<std::size_t>(gate)]);
        if (gate != held && gate != acquired) gate_set.insert(gate);
      }
      const auto cycles = graph.add_edge(thread, &locks[static_cast<std::size_t>(held)], here,
                                         &locks[static_cast<std::size_t>(acquired)], here, gates);
      reference.edges[{held, acquired}].push_back({thread, gate_set});
      for (const auto& cycle : cycles) {
        check_shape(cycle, &locks[static_cast<std::size_t>(held)],
                    &locks[static_cast<std::size_t>(acquired)], graph);
        CHECK(reported.insert(canonical(lock_indices(cycle, locks))).second);
      }
    }
    graph.check_invariants();

    std::set<std::vector<int>> expected;
    for (const auto& cycle : reference.cycles()) {
      if (reference.reportable(cycle, graph)) expected.insert(cycle);
    }
    REQUIRE(reported == expected);
    CHECK(graph.reported_cycle_count() == reported.size());
  }
  CHECK(graph.stats().truncated_searches == 0);
}

TEST_CASE("on a large random graph an edge reports iff it closes a cycle",
          "[lock_order][reference]") {
  constexpr int lock_total = 300;
  std::array<char, lock_total> locks{};
  lock_order_graph graph;  // default options and bounds
  std::vector<std::vector<int>> successors(lock_total);
  std::mt19937 rng(2024);
  std::uniform_int_distribution<int> pick_lock(0, lock_total - 1);

  // The number of edges on a shortest path, or -1.
  auto distance = [&](int from, int to) {
    std::vector<int> dist(lock_total, -1);
    std::vector<int> queue{from};
    dist[static_cast<std::size_t>(from)] = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int v = queue[head];
      if (v == to) return dist[static_cast<std::size_t>(v)];
      for (int w : successors[static_cast<std::size_t>(v)]) {
        if (dist[static_cast<std::size_t>(w)] < 0) {
          dist[static_cast<std::size_t>(w)] = dist[static_cast<std::size_t>(v)] + 1;
          queue.push_back(w);
        }
      }
    }
    return -1;
  };

  int closing_edges = 0;
  weft::seam::thread_id thread = 0;
  for (int step = 0; step < 900; ++step) {
    const int held = pick_lock(rng);
    const int acquired = pick_lock(rng);
    if (held == acquired) continue;
    auto& out = successors[static_cast<std::size_t>(held)];
    const bool known = std::find(out.begin(), out.end(), acquired) != out.end();
    const int back = known ? -1 : distance(acquired, held);
    const bool closes = back >= 0;
    // A thread per edge: no cycle is suppressed.
    const auto cycles = graph.add_edge(++thread, &locks[static_cast<std::size_t>(held)], here,
                                       &locks[static_cast<std::size_t>(acquired)], here);
    // (A known edge gets a new site, as the thread differs; what it reports
    // depends on what earlier searches left out under their bounds.)
    if (!known) {
      REQUIRE(cycles.size() == (closes ? 1U : 0U));
      // The report is a shortest cycle through the new edge.
      if (closes) CHECK(cycles[0].size() == static_cast<std::size_t>(back) + 1);
    }
    CHECK(cycles.size() <= graph.config().max_cycles_per_search);
    for (const auto& cycle : cycles) {
      check_shape(cycle, &locks[static_cast<std::size_t>(held)],
                  &locks[static_cast<std::size_t>(acquired)], graph);
    }
    if (!known) out.push_back(acquired);
    closing_edges += closes ? 1 : 0;
  }
  CHECK(closing_edges > 10);  // the graph did get cyclic
  graph.check_invariants();
}

TEST_CASE("when the shortest cycle breaks the rules, a longer one is searched for, within bounds",
          "[lock_order]") {
  int a = 0;
  int b = 0;
  int c = 0;
  const std::size_t budget = GENERATE(std::size_t{2}, std::size_t{100'000});
  lock_order_graph::options opts;
  opts.max_search_steps = budget;
  lock_order_graph graph(opts);
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(2, &a, here, &c, here).empty());
  CHECK(graph.add_edge(3, &c, here, &b, here).empty());
  // Thread 1 closes a -> b -> a on its own (not a deadlock) and, with
  // threads 2 and 3, a -> c -> b -> a (a deadlock).
  const auto cycles = graph.add_edge(1, &b, here, &a, here);
  if (budget == 2) {
    CHECK(cycles.empty());
    CHECK(graph.stats().truncated_searches == 1);
  } else {
    REQUIRE(cycles.size() == 1);
    REQUIRE(cycles[0].size() == 3);
    CHECK(cycles[0][0].acquired == &c);
    CHECK(graph.stats().truncated_searches == 0);
  }
}

TEST_CASE("edges added in an order the graph agrees with cost no search", "[lock_order][order]") {
  const std::size_t n = GENERATE(std::size_t{2}, std::size_t{10}, std::size_t{100});
  std::vector<char> locks(n);
  lock_order_graph graph;
  // A chain a0 -> a1 -> ... in order: each new lock goes after the others.
  for (std::size_t i = 0; i + 1 < n; ++i)
    CHECK(graph.add_edge(1, &locks[i], here, &locks[i + 1], here).empty());
  CHECK(graph.stats().additions_without_search == n - 1);
  // Any edge forward along the chain agrees with the order, new site or not.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  for (int k = 0; k < 200; ++k) {
    std::size_t a = pick(rng);
    std::size_t b = pick(rng);
    if (a == b) continue;
    if (b < a) std::swap(a, b);
    const auto thread = static_cast<weft::seam::thread_id>(1 + k % 3);
    CHECK(graph.add_edge(thread, &locks[a], here, &locks[b], here).empty());
  }
  CHECK(graph.stats().searches == 0);
  CHECK(graph.stats().reorder_searches == 0);
  CHECK(graph.stats().search_steps == 0);
  CHECK(graph.stats().additions_without_search ==
        graph.stats().edges_added + graph.stats().sites_added);
  graph.check_invariants();

  // Built backwards, each edge brings a new lock, which goes first.
  lock_order_graph backwards;
  for (std::size_t i = n - 1; i > 0; --i)
    CHECK(backwards.add_edge(1, &locks[i - 1], here, &locks[i], here).empty());
  CHECK(backwards.stats().searches == 0);
  backwards.check_invariants();
}

TEST_CASE("an edge against the order searches only the region it affects", "[lock_order][order]") {
  const std::size_t n = GENERATE(std::size_t{2}, std::size_t{10}, std::size_t{100});
  std::vector<char> x(n);
  std::vector<char> y(n);
  std::vector<char> elsewhere(8);
  lock_order_graph graph;
  // Two chains, x before y (y's locks are newer), and locks before and
  // after both, which no search may visit.
  for (std::size_t i = 0; i + 1 < elsewhere.size() / 2; ++i)
    CHECK(graph.add_edge(1, &elsewhere[i], here, &elsewhere[i + 1], here).empty());
  CHECK(graph.add_edge(1, &elsewhere[3], here, &x[0], here).empty());
  for (std::size_t i = 0; i + 1 < n; ++i)
    CHECK(graph.add_edge(1, &x[i], here, &x[i + 1], here).empty());
  for (std::size_t i = 0; i + 1 < n; ++i)
    CHECK(graph.add_edge(1, &y[i], here, &y[i + 1], here).empty());
  CHECK(graph.add_edge(1, &y[n - 1], here, &elsewhere[4], here).empty());
  for (std::size_t i = 4; i + 1 < elsewhere.size(); ++i)
    CHECK(graph.add_edge(1, &elsewhere[i], here, &elsewhere[i + 1], here).empty());
  CHECK(graph.stats().searches == 0);

  // y's last lock before x's first: all of x must move after all of y.
  CHECK(graph.add_edge(2, &y[n - 1], here, &x[0], here).empty());
  CHECK(graph.stats().reorder_searches == 1);
  // The region: x, and y but y[0], which went to the bottom of the order
  // when it came (as a new held lock).
  CHECK(graph.stats().reorder_visits == 2 * n - 1);
  CHECK(graph.stats().cycle_searches == 0);
  graph.check_invariants();
  // After which every edge from y into x agrees with the order.
  for (std::size_t i = 0; i < n; ++i)
    CHECK(graph.add_edge(3, &y[i], here, &x[n - 1 - i], here).empty());
  CHECK(graph.stats().reorder_searches == 1);
  graph.check_invariants();
}

TEST_CASE("an edge that closes a cycle merges components; forget splits them",
          "[lock_order][order]") {
  lock_order_graph graph;
  int a = 0;
  int b = 0;
  int c = 0;
  int d = 0;
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(2, &b, here, &c, here).empty());
  CHECK(graph.stats().reorder_searches == 0);
  // c -> a is against the order: the reorder search finds the cycle.
  CHECK(graph.add_edge(3, &c, here, &a, here).size() == 1);
  CHECK(graph.stats().reorder_searches == 1);
  CHECK(graph.stats().components_merged == 2);
  CHECK(graph.stats().cycle_searches == 1);
  graph.check_invariants();

  // An edge inside the component closes a cycle without a reorder search.
  CHECK(graph.add_edge(4, &a, here, &c, here).size() == 1);  // a -> c -> a
  CHECK(graph.stats().reorder_searches == 1);
  CHECK(graph.stats().cycle_searches == 2);

  // A new lock after the component, then an edge back into it: merged.
  CHECK(graph.add_edge(5, &a, here, &d, here).empty());
  CHECK(graph.stats().reorder_searches == 1);
  const auto through_d = graph.add_edge(6, &d, here, &b, here);
  REQUIRE(through_d.size() == 1);
  CHECK(through_d[0].size() == 4);  // d -> b -> c -> a -> d
  CHECK(graph.stats().components_merged == 3);
  graph.check_invariants();

  // Without d, {a, b, c} is still one component; without b, c -> a and a -> c remain one.
  graph.forget(&d);
  CHECK(graph.stats().components_split == 0);
  graph.check_invariants();
  graph.forget(&b);
  CHECK(graph.stats().components_split == 0);
  graph.check_invariants();
  CHECK(graph.reported_cycle_count() == 1);  // a -> c -> a
  // Afresh: a component that loses the lock its cycles all go through
  // falls apart.
  graph.forget(&a);
  CHECK(graph.lock_count() == 0);
  CHECK(graph.add_edge(1, &a, here, &b, here).empty());
  CHECK(graph.add_edge(2, &b, here, &c, here).empty());
  CHECK(graph.add_edge(3, &c, here, &a, here).size() == 1);
  CHECK(graph.add_edge(4, &c, here, &d, here).empty());
  CHECK(graph.add_edge(5, &d, here, &a, here).size() == 1);  // c -> d -> a -> b -> c
  // Without b, no cycle is left: three components, c before d before a.
  graph.forget(&b);
  CHECK(graph.stats().components_split == 1);
  graph.check_invariants();
  // And an edge back from a to c closes a cycle again, found by a reorder.
  const auto reorders = graph.stats().reorder_searches;
  CHECK(graph.add_edge(6, &a, here, &c, here).size() == 1);  // a -> c -> a
  CHECK(graph.stats().reorder_searches == reorders + 1);
  graph.check_invariants();
}

namespace {

using weft::testing::bfs_lock_order_graph;

// Same cycles, same edges, same sites, in the same order; else what differs.
std::string difference(const std::vector<lock_order_cycle>& got,
                       const std::vector<lock_order_cycle>& want) {
  auto same_edge = [](const auto& g, const auto& w) {
    return g.held == w.held && g.acquired == w.acquired && g.site.thread == w.site.thread &&
           g.site.gates == w.site.gates && g.site.held_where.line() == w.site.held_where.line() &&
           g.site.acquired_where.line() == w.site.acquired_where.line();
  };
  auto same = [&](const lock_order_cycle& g, const lock_order_cycle& w) {
    return std::equal(g.begin(), g.end(), w.begin(), w.end(), same_edge);
  };
  if (std::equal(got.begin(), got.end(), want.begin(), want.end(), same)) return {};
  std::string out = "got:";
  for (const auto& c : got)
    out += "\n  " + describe_cycle(c);
  out += "\nwant:";
  for (const auto& c : want)
    out += "\n  " + describe_cycle(c);
  return out;
}

// The counters both keep, and the sizes; what differs, if anything.
std::string difference(const lock_order_graph& graph, const bfs_lock_order_graph& reference) {
  const auto& g = graph.stats();
  const auto& r = reference.stats();
  const std::pair<const char*, std::array<std::uint64_t, 2>> pairs[] = {
      {"edges_added", {g.edges_added, r.edges_added}},
      {"sites_added", {g.sites_added, r.sites_added}},
      {"duplicates", {g.duplicates, r.duplicates}},
      {"sites_dropped", {g.sites_dropped, r.sites_dropped}},
      {"cycle_searches", {g.cycle_searches, r.cycle_searches}},
      {"truncated_searches", {g.truncated_searches, r.truncated_searches}},
      {"cycles_reported", {g.cycles_reported, r.cycles_reported}},
      {"lock_count", {graph.lock_count(), reference.lock_count()}},
      {"edge_count", {graph.edge_count(), reference.edge_count()}},
      {"reported_cycle_count", {graph.reported_cycle_count(), reference.reported_cycle_count()}},
  };
  std::string out;
  for (const auto& [name, values] : pairs) {
    if (values[0] != values[1]) {
      out += std::string(name) + ": " + std::to_string(values[0]) + " (reference " +
             std::to_string(values[1]) + ") ";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the order changes what a new edge costs, not what it reports",
          "[lock_order][order][reference]") {
  const int lock_total = GENERATE(4, 8, 12);
  const int variant = GENERATE(0, 1, 2, 3);
  const std::uint64_t seed = GENERATE(range(std::uint64_t{1}, std::uint64_t{7}));
  CAPTURE(lock_total, variant, seed);
  lock_order_graph::options opts;
  switch (variant) {
    case 1:  // every cycle counts
      opts.require_distinct_threads = false;
      opts.suppress_gated = false;
      break;
    case 2:  // every reportable cycle, every site
      opts.max_cycles_per_search = 1'000;
      opts.max_sites_per_edge = 64;
      break;
    case 3:  // searches cut short, few sites
      opts.max_cycles_per_search = 3;
      opts.max_search_steps = 12;
      opts.max_sites_per_edge = 2;
      break;
    default:
      break;
  }
  lock_order_graph graph(opts);
  bfs_lock_order_graph reference(opts);
  std::vector<char> locks(static_cast<std::size_t>(lock_total) + 2);  // two extra gates
  const std::array<weft::source_location, 3> where{weft::source_location::current(),
                                                   weft::source_location::current(),
                                                   weft::source_location::current()};
  auto lock = [&](int i) { return static_cast<const void*>(&locks[static_cast<std::size_t>(i)]); };

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick_lock(0, lock_total - 1);
  std::uniform_int_distribution<int> pick_gate(0, lock_total + 1);
  std::uniform_int_distribution<weft::seam::thread_id> pick_thread(1, 3);
  std::uniform_int_distribution<std::size_t> pick_where(0, where.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<int> pick_count(0, 2);

  int closing = 0;
  for (int step = 0; step < 100; ++step) {
    const int roll = percent(rng);
    if (roll < 6) {
      const int l = pick_lock(rng);
      graph.forget(lock(l));
      reference.forget(lock(l));
    } else if (roll < 50) {
      // One edge: whether it closes a cycle is known beforehand.
      const int held = pick_lock(rng);
      const int acquired = pick_lock(rng);
      std::vector<const void*> gates;
      for (int g = pick_count(rng); g > 0; --g)
        gates.push_back(lock(pick_gate(rng)));
      const bool closes = held != acquired && reference.reaches(lock(acquired), lock(held));
      const auto before = graph.stats();
      const auto thread = pick_thread(rng);
      const auto held_where = where[pick_where(rng)];
      const auto acquired_where = where[pick_where(rng)];
      const auto got =
          graph.add_edge(thread, lock(held), held_where, lock(acquired), acquired_where, gates);
      const auto want =
          reference.add_edge(thread, lock(held), held_where, lock(acquired), acquired_where, gates);
      REQUIRE(difference(got, want).empty());
      const auto& after = graph.stats();
      const bool added =
          after.edges_added + after.sites_added > before.edges_added + before.sites_added;
      // A search for cycles runs exactly when a new edge or site closes one.
      CHECK(after.cycle_searches - before.cycle_searches == (added && closes ? 1U : 0U));
      if (added && !closes) CHECK(after.searches - before.searches <= 1);  // a reorder at most
      closing += added && closes ? 1 : 0;
    } else {
      // A thread holding up to three locks takes another.
      const int acquired = pick_lock(rng);
      std::vector<held_lock> held;
      for (int h = pick_count(rng) + 1; h > 0; --h) {
        const int l = pick_lock(rng);
        const bool dup = std::any_of(held.begin(), held.end(),
                                     [&](const held_lock& x) { return x.lock == lock(l); });
        if (l != acquired && !dup) held.push_back({lock(l), where[pick_where(rng)]});
      }
      const auto thread = pick_thread(rng);
      const auto acquired_where = where[pick_where(rng)];
      REQUIRE(difference(graph.on_acquire(thread, lock(acquired), acquired_where, held),
                         reference.on_acquire(thread, lock(acquired), acquired_where, held))
                  .empty());
    }
    graph.check_invariants();
    REQUIRE(difference(graph, reference).empty());
  }
  // Every search is a reorder or finds a cycle: none is wasted.
  CHECK(graph.stats().searches == graph.stats().reorder_searches + graph.stats().cycle_searches);
  CHECK(graph.stats().additions_without_search + graph.stats().reorder_searches +
            graph.stats().cycle_searches >=
        graph.stats().edges_added + graph.stats().sites_added);
  // The sequences do get cyclic, and against the order.
  CHECK(closing > 0);
  CHECK(graph.stats().reorder_searches > 0);
}
