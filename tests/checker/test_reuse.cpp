// What a search reuses from one execution to the next: the address map
// behind the per-object state, vector clock copies, and executions of one
// check that must not see each other's state (owners, clocks, threads).
#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <mutex>
#include <vector>

#include "detect/address_map.hpp"
#include "detect/vector_clock.hpp"
#include "weft/atomic.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/thread.hpp"

namespace {

using weft::rt::address_map;
using weft::rt::vector_clock;

}  // namespace

TEST_CASE("address_map: finds what was inserted, across the switch to hashing",
          "[checker][reuse]") {
  const std::size_t n = GENERATE(as<std::size_t>{}, 1, 16, 17, 100, 1000);
  std::vector<int> objects(n);
  address_map<int> map;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < n; ++i)
      map[&objects[i]] = static_cast<int>(i) + round;
    CHECK(map.size() == n);
    bool all_found = true;
    for (std::size_t i = 0; i < n; ++i) {
      const int* value = map.find(&objects[i]);
      all_found = all_found && value != nullptr && *value == static_cast<int>(i) + round;
    }
    CHECK(all_found);
    const int other = 0;
    CHECK(map.find(&other) == nullptr);
    map.clear();
    CHECK(map.empty());
    CHECK(map.find(objects.data()) == nullptr);
  }
}

TEST_CASE("address_map: a reused slot starts empty", "[checker][reuse]") {
  std::array<int, 2> objects{};
  address_map<vector_clock> clocks;
  clocks[&objects[0]].increment(3);
  clocks.clear();
  // The slot of objects[0] now serves objects[1]: its old clock is gone.
  CHECK(clocks[&objects[1]].size() == 0);
  CHECK(clocks[&objects[1]].get(3) == 0);
}

TEST_CASE("vector_clock: copies and joins cover exactly the entries in use", "[checker][reuse]") {
  vector_clock wide;
  wide.set(5, 7);
  vector_clock narrow;
  narrow.set(1, 2);
  vector_clock c = wide;
  CHECK(c.get(5) == 7);
  c = narrow;  // the wider entries must not survive the assignment
  CHECK(c.get(5) == 0);
  CHECK(c.get(1) == 2);
  CHECK(c.size() == 1);
  vector_clock a = wide;
  vector_clock b = narrow;
  a.join_both(b);
  CHECK(a == b);
  CHECK(b.get(5) == 7);
  CHECK(b.get(1) == 2);
}

TEST_CASE("check: executions of one search start from a clean state", "[checker][reuse]") {
  // One execution object runs all 2000: thread ids must restart at 2 and 3,
  // and each execution's mutex (at the same stack address every time) must
  // start unowned with fresh clocks; leftovers would misnumber the threads,
  // hold a lock() back forever (a deadlock) or hide or invent a race.
  weft::check_options options;
  options.executions = 2000;
  const weft::report r = weft::check(
      [] {
        weft::mutex m;
        weft::shared<int> data{0};
        weft::atomic<unsigned> ids{0};
        auto body = [&] {
          ids.fetch_add(static_cast<unsigned>(weft::this_thread::get_id().value()));
          const std::lock_guard lock(m);
          data.set(data.get() + 1);
        };
        weft::thread a(body);
        weft::thread b(body);
        a.join();
        b.join();
        WEFT_ASSERT(data.get() == 2);
        WEFT_ASSERT(ids.load() == 2 + 3);
      },
      options);
  INFO(weft::to_string(r));
  CHECK(r.passed());
  CHECK(r.statistics.executions == 2000);
}

TEST_CASE("check: a failing execution after many passing ones replays identically",
          "[checker][reuse]") {
  // The failure needs one particular interleaving, so many executions run
  // (and reuse the execution object) before it is found; the token must
  // still reproduce the same trace on a fresh execution.
  auto test = [] {
    weft::atomic<int> stage{0};
    weft::thread a([&] {
      for (int i = 0; i < 3; ++i)
        stage.fetch_add(1);
    });
    weft::thread b([&] { WEFT_ASSERT(stage.load() != 2); });
    a.join();
    b.join();
  };
  weft::check_options options;
  options.executions = 100000;
  const weft::report found = weft::check(test, options);
  REQUIRE(found.kind == weft::finding_kind::assertion);
  const weft::report replayed = weft::replay(test, found.token, options);
  REQUIRE(replayed.kind == weft::finding_kind::assertion);
  REQUIRE(replayed.trace.size() == found.trace.size());
  bool same = true;
  for (std::size_t i = 0; i < found.trace.size(); ++i) {
    same = same && replayed.trace[i].thread == found.trace[i].thread &&
           replayed.trace[i].operation == found.trace[i].operation &&
           replayed.trace[i].detail == found.trace[i].detail;
  }
  CHECK(same);
}
