// The `philosophers` scenario: the dining philosophers, with the protocols
// of protocols.hpp as variants. The naive one deadlocks, the try-lock one
// livelocks; resource ordering, an arbitrator and a monitor fix them.
#include <utility>
#include <vector>

#include "factories.hpp"
#include "protocols.hpp"
#include "table.hpp"
#include "weft/check.hpp"

namespace weft::scenarios::internal {

namespace {

namespace dinner = weft::scenarios::philosophers;

// The livelock needs the philosophers to retry in lockstep, round after
// round, which takes a preemption at nearly every step: a random walk keeps
// it up for a few rounds at most, and PCT and preemption bounding allow
// only a bounded number of preemptions. The depth-first search reaches it:
// it backtracks at the deepest choice first, and each execution prolongs
// the lockstep by one round until one execution runs past max_steps. So
// max_steps is set low, a few times a normal dinner's length (about 25
// steps at livelock_size), which keeps that search short.
weft::check_options livelock_search() {
  weft::check_options options;
  options.strategy = weft::strategy_kind::dfs;
  options.executions = 1000;
  options.max_steps = 100;
  return options;
}

constexpr parameters check_size{.threads = 3, .iterations = 1};
// Two philosophers: the run the search finds past max_steps is then the
// symmetric lockstep, both retrying every round. With three, the first such
// run leaves one philosopher unscheduled, holding a fork, while the other
// two retry: an unfair schedule rather than a livelock.
constexpr parameters livelock_size{.threads = 2, .iterations = 1};
// Natively the deadlock needs all five to take their left fork at once,
// which a long dinner makes likely (100,000 meals deadlock nearly every
// run; 10,000 mostly finish).
constexpr parameters native_size_deadlock{.threads = 5, .iterations = 100'000};
constexpr parameters native_size{.threads = 5, .iterations = 10'000};

}  // namespace

scenario make_philosophers() {
  using weft::finding_kind;
  using weft::verdict;
  std::vector<variant> variants;
  variants.push_back(variant{
      .name = "naive",
      .summary = "left fork, then right fork",
      .bug = "Every philosopher takes their left fork and then waits for their right one. When "
             "all have taken their left fork before anyone takes a right one, each waits for "
             "the fork their right neighbour holds: a cycle of waits, a deadlock.",
      .fix = "Break the cycle: take the lower-numbered fork first (philosophers.ordered), or let "
             "at most n - 1 philosophers reach for forks (philosophers.arbitrator), or never "
             "wait while holding a fork (philosophers.monitor).",
      .expected = {verdict::fail, finding_kind::deadlock},
      .options = random_walk(1000),
      .check_size = check_size,
      .native_size = native_size_deadlock,
      .body = dinner::dine<dinner::naive>,
  });
  variants.push_back(variant{
      .name = "try_lock_backoff",
      .summary = "left fork, try the right; on failure put the left back, yield, retry",
      .bug = "Nobody waits while holding a fork, so there is no deadlock, but when the "
             "philosophers move in lockstep they all take their left fork, all fail to get "
             "the right one, all put the left one back and all retry, forever: a livelock. "
             "The checker reports the run that exceeds max_steps.",
      .fix = "Break the symmetry rather than retry: a global fork order "
             "(philosophers.ordered), a limit on who may reach for forks "
             "(philosophers.arbitrator), or a waiter that hands out both forks at once "
             "(philosophers.monitor). Randomized back-off only makes the livelock unlikely.",
      .expected = {verdict::fail, finding_kind::max_steps},
      .options = livelock_search(),
      .check_size = livelock_size,
      .native_size = native_size,
      .body = dinner::dine<dinner::try_lock_backoff>,
  });
  variants.push_back(variant{
      .name = "ordered",
      .summary = "resource ordering: the lower-numbered fork first",
      .bug = "",
      .fix = "Forks are always taken in increasing number, so no philosopher holds a higher "
             "fork while waiting for a lower one and no cycle of waits can form (the last "
             "philosopher takes their right fork, fork 0, first).",
      .expected = {verdict::pass, finding_kind::none},
      .options = exhaustive(20'000),
      .check_size = check_size,
      .native_size = native_size,
      .body = dinner::dine<dinner::ordered>,
  });
  variants.push_back(variant{
      .name = "arbitrator",
      .summary = "a counting semaphore lets at most n - 1 philosophers reach for forks",
      .bug = "",
      .fix = "With at most n - 1 philosophers holding or waiting for forks, the n forks cannot "
             "all be held as left forks, so one of them gets both, eats and puts them down. "
             "The forks are still taken left then right: the checker's lock-order warning "
             "about that cycle is expected, since the semaphore keeps it from closing.",
      .expected = {verdict::pass, finding_kind::none},
      .options = exhaustive(20'000),
      .check_size = check_size,
      .native_size = native_size,
      .body = dinner::dine<dinner::arbitrator>,
  });
  variants.push_back(variant{
      .name = "monitor",
      .summary = "thinking/hungry/eating states under one mutex, a condition variable each",
      .bug = "",
      .fix = "A hungry philosopher eats only when neither neighbour eats, decided under one "
             "mutex, and otherwise waits on their own condition variable holding no fork; a "
             "neighbour who finishes re-checks them. No one waits while holding a fork, so "
             "no cycle. (Not starvation-free: two neighbours can alternate around a third.)",
      .expected = {verdict::pass, finding_kind::none},
      .options = exhaustive(20'000),
      .check_size = check_size,
      .native_size = native_size,
      .body = dinner::dine<dinner::monitor>,
  });
  return scenario{
      .name = "philosophers",
      .description =
          "The dining philosophers (Dijkstra): philosophers sit around a round table with one "
          "fork between each two neighbours and need both adjacent forks to eat. Taking them "
          "one at a time can deadlock (everyone holds their left fork), and retrying with "
          "try_lock can livelock (everyone gives up and retries in step). The fixes: resource "
          "ordering, an arbitrator that limits who may reach for forks, and a monitor that "
          "hands out both forks at once.",
      .parameters_help =
          "threads: the philosophers, and as many forks (at least 2); "
          "iterations: the meals each eats.",
      .limits = {.min_threads = 2,
                 .max_threads = 32,
                 .min_iterations = 1,
                 .max_iterations = 100'000},
      .variants = std::move(variants),
  };
}

}  // namespace weft::scenarios::internal
