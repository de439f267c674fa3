// What one lock_order_graph::on_acquire costs (one held lock), by what the
// edge is to the graph:
//
//   known/<locks>       an edge the graph has, with a dominating site: a lookup
//   consistent/<locks>  a new edge that agrees with the order the graph has
//                       (held comes before acquired in some topological
//                       order of the graph so far): Pearce-Kelly's fast path
//   reorder/<locks>     a new edge against that order that closes no cycle:
//                       a bounded search over the affected region, then a
//                       reordering of it. The region is wide here: the edge
//                       joins two large DAGs (see reorder())
//   local/<locks>       the same with a small region (independent chains of
//                       eight locks, an edge from one chain into the previous)
//
// <locks> is the number of locks in the graph. The graphs are DAGs of about
// two edges per lock, each lock i with an edge to i + 1 and to a random lock
// in (i + 1, i + 16], built in index order; so most locks reach most of the
// locks after them, as in a deep lock hierarchy. The counters are the
// graph's statistics per timed call (searches, search steps).
//
// consistent and local add a fresh edge from a pool each iteration; when the
// pool runs out, the graph is rebuilt with the timer paused. reorder rebuilds
// it (timer paused) before each edge.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "weft/internal/lock_order_graph.hpp"
#include "weft/source_location.hpp"

namespace {

using weft::internal::lock_order_graph;
using held_lock = lock_order_graph::held_lock;
using edge_list = std::vector<std::pair<std::size_t, std::size_t>>;

const weft::source_location here = weft::source_location::current();

struct fixture {
  std::vector<char> locks;
  std::unique_ptr<lock_order_graph> graph;
  edge_list base;  // the edges the graph is built from, in order

  explicit fixture(std::size_t n) : locks(n) {}

  const void* lock(std::size_t i) const { return &locks[i]; }

  void add(std::size_t held, std::size_t acquired) {
    const std::array h{held_lock{lock(held), here}};
    benchmark::DoNotOptimize(graph->on_acquire(1, lock(acquired), here, h));
  }

  void rebuild() {
    graph = std::make_unique<lock_order_graph>();
    for (const auto& [held, acquired] : base)
      add(held, acquired);
  }
};

// The DAG described at the top over locks [first, first + n).
void add_dag(edge_list& out, std::size_t first, std::size_t n, std::mt19937_64& rng) {
  for (std::size_t i = 0; i + 1 < n; ++i) {
    out.emplace_back(first + i, first + i + 1);
    const std::size_t span = std::min<std::size_t>(15, n - i - 2);
    if (span == 0) continue;
    std::uniform_int_distribution<std::size_t> pick(i + 2, i + 1 + span);
    out.emplace_back(first + i, first + pick(rng));
  }
}

// Pairs not among `existing`, drawn by `draw` until `count` are found or
// attempts run out.
template <typename Draw>
edge_list fresh_pairs(const edge_list& existing, std::size_t count, Draw draw) {
  std::set<std::pair<std::size_t, std::size_t>> taken(existing.begin(), existing.end());
  edge_list out;
  for (std::size_t attempt = 0; attempt < count * 20 && out.size() < count; ++attempt) {
    const auto pair = draw();
    if (pair.first != pair.second && taken.insert(pair).second) out.push_back(pair);
  }
  return out;
}

void report(benchmark::State& state, const lock_order_graph::statistics& before,
            const lock_order_graph::statistics& after, std::uint64_t calls) {
  const double n = static_cast<double>(calls == 0 ? 1 : calls);
  state.counters["searches"] = static_cast<double>(after.searches - before.searches) / n;
  state.counters["steps"] = static_cast<double>(after.search_steps - before.search_steps) / n;
}

// Adds the pool's edges one per iteration, rebuilding when it runs out.
void run_pool(benchmark::State& state, fixture& f, const edge_list& pool) {
  f.rebuild();
  std::size_t next = 0;
  std::uint64_t calls = 0;
  lock_order_graph::statistics totals{};
  auto before = f.graph->stats();
  auto accumulate = [&] {
    const auto& now = f.graph->stats();
    totals.searches += now.searches - before.searches;
    totals.search_steps += now.search_steps - before.search_steps;
  };
  for (auto _ : state) {
    if (next == pool.size()) {
      state.PauseTiming();
      accumulate();
      f.rebuild();
      before = f.graph->stats();
      next = 0;
      state.ResumeTiming();
    }
    f.add(pool[next].first, pool[next].second);
    ++next;
    ++calls;
  }
  accumulate();
  report(state, {}, totals, calls);
}

void known(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(1);
  fixture f(n);
  add_dag(f.base, 0, n, rng);
  f.rebuild();
  std::vector<std::size_t> sample(1024);
  std::uniform_int_distribution<std::size_t> pick(0, f.base.size() - 1);
  for (auto& s : sample)
    s = pick(rng);
  const auto before = f.graph->stats();
  std::size_t i = 0;
  std::uint64_t calls = 0;
  for (auto _ : state) {
    const auto& [held, acquired] = f.base[sample[i++ % sample.size()]];
    f.add(held, acquired);
    ++calls;
  }
  report(state, before, f.graph->stats(), calls);
}

void consistent(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(2);
  fixture f(n);
  add_dag(f.base, 0, n, rng);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  const edge_list pool = fresh_pairs(f.base, 2048, [&] {
    std::size_t a = pick(rng);
    std::size_t b = pick(rng);
    if (b < a) std::swap(a, b);
    return std::pair{a, b};
  });
  run_pool(state, f, pool);
}

// Two DAGs over the halves, the first built first; the new edge goes from
// a random lock of the second half to one of the first, which is against the
// order of construction but closes no cycle (nothing leads from the first
// half into the second). One such edge per freshly built graph: the first
// reorders a region of about the descendants of one lock and the ancestors
// of the other, after which most such edges agree with the order.
void reorder(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(3);
  fixture f(n);
  add_dag(f.base, 0, n / 2, rng);
  add_dag(f.base, n / 2, n - n / 2, rng);
  std::uniform_int_distribution<std::size_t> first(0, n / 2 - 1);
  std::uniform_int_distribution<std::size_t> second(n / 2, n - 1);
  std::uint64_t calls = 0;
  lock_order_graph::statistics totals{};
  for (auto _ : state) {
    state.PauseTiming();
    f.rebuild();
    const auto before = f.graph->stats();
    const std::size_t held = second(rng);
    const std::size_t acquired = first(rng);
    state.ResumeTiming();
    f.add(held, acquired);
    totals.searches += f.graph->stats().searches - before.searches;
    totals.search_steps += f.graph->stats().search_steps - before.search_steps;
    ++calls;
  }
  report(state, {}, totals, calls);
}

// Chains of eight locks; an edge from a lock of chain c + 1 to one of chain c.
void local(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t chain = 8;
  std::mt19937_64 rng(4);
  fixture f(n);
  for (std::size_t c = 0; c + chain <= n; c += chain) {
    for (std::size_t i = c; i + 1 < c + chain; ++i)
      f.base.emplace_back(i, i + 1);
  }
  const std::size_t chains = n / chain;
  std::uniform_int_distribution<std::size_t> pick_chain(1, chains - 1);
  std::uniform_int_distribution<std::size_t> pick_offset(0, chain - 1);
  // Each chain gets at most one edge into its predecessor, so that no edge
  // lands in a region an earlier one already reordered.
  edge_list pool;
  std::vector<std::size_t> order(chains - 1);
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i + 1;
  std::shuffle(order.begin(), order.end(), rng);
  for (std::size_t c : order) {
    pool.emplace_back(c * chain + pick_offset(rng), (c - 1) * chain + pick_offset(rng));
  }
  // Every other chain only, so that two pool edges never share a chain.
  std::erase_if(pool, [](const auto& p) { return (p.first / chain) % 2 == 0; });
  run_pool(state, f, pool);
}

BENCHMARK(known)->Arg(100)->Arg(10'000);
BENCHMARK(consistent)->Arg(100)->Arg(10'000);
BENCHMARK(reorder)->Arg(100)->Arg(10'000);
BENCHMARK(local)->Arg(100)->Arg(10'000);

}  // namespace

BENCHMARK_MAIN();
