// The random strategy's generator and the fiber stack pool.
#include <array>
#include <catch2/catch.hpp>

#include "rt/strategy.hpp"
#include "support/checker_programs.hpp"
#include "weft/check.hpp"

TEST_CASE("strategy: a random walk produces long runs of one thread", "[checker]") {
  // A small LCG taken modulo 2 alternates; a good generator gives a run of
  // ten identical choices about every thousand picks.
  weft::rt::random_strategy random(GENERATE(1U, 42U, 0x5eedU));
  const std::array<weft::seam::thread_id, 2> threads{1, 2};
  std::size_t longest = 0;
  std::size_t run = 0;
  weft::seam::thread_id previous = 0;
  std::array<std::size_t, 3> counts{};
  for (int i = 0; i < 20'000; ++i) {
    const weft::seam::thread_id t = *random.pick_thread({threads, previous, true, false});
    REQUIRE((t == 1 || t == 2));
    ++counts[t];
    run = t == previous ? run + 1 : 1;
    longest = std::max(longest, run);
    previous = t;
  }
  CHECK(longest >= 10);
  // And it is fair: each side within 5% of half.
  CHECK(counts[1] > 9'000);
  CHECK(counts[2] > 9'000);
}

TEST_CASE("strategy: choices among n cover every alternative", "[checker]") {
  weft::rt::random_strategy random(7);
  std::array<int, 5> seen{};
  for (int i = 0; i < 1000; ++i)
    ++seen[*random.pick(5)];
  for (int count : seen)
    CHECK(count > 100);
}

TEST_CASE("strategy: fiber stacks are reused across executions", "[checker]") {
  weft::check_options options;
  options.executions = 2000;
  const weft::report r = weft::check(weft::testing::fixed_counter, options);
  CHECK(r.passed());
  CHECK(r.statistics.executions == 2000);
  // At most three fibers are alive at once.
  CHECK(r.statistics.stacks_allocated <= 3);
}
