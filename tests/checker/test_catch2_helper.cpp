// weft/testing/catch2.hpp: the messages a failed expectation prints, built
// and inspected directly, and the macros in cases that hold (and, tagged
// [!shouldfail], in cases that must fail the test case).
#include <catch2/catch.hpp>
#include <string>

#include "support/checker_programs.hpp"
#include "weft/check.hpp"
#include "weft/mutex.hpp"
#include "weft/shared.hpp"
#include "weft/testing/catch2.hpp"
#include "weft/thread.hpp"

namespace {

using weft::testing::fixed_counter;
using weft::testing::racy_counter;

void racy_shared() {
  weft::shared<int> value{0};
  weft::thread a([&value] { value.set(1); });
  weft::thread b([&value] { value.set(2); });
  a.join();
  b.join();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("catch2 helper: a failed check's message holds the report, trace and replay call",
          "[checker][catch2]") {
  const weft::report r = weft::check(racy_counter);
  REQUIRE_FALSE(r.passed());
  REQUIRE_FALSE(r.trace.empty());
  const std::string message = weft::testing::pass_failure_message(r, "racy_counter");
  INFO(message);
  CHECK(message.rfind("weft::check(racy_counter) failed:\n", 0) == 0);
  CHECK(contains(message, "FAIL (assertion failure)"));
  CHECK(contains(message, "WEFT_ASSERT(counter.load() == 2) failed"));
  CHECK(contains(message, "trace:\n"));
  CHECK(contains(message, "atomic load atomic#1"));
  CHECK(contains(message, "checker_programs.hpp:"));  // where the steps were taken
  CHECK(contains(message, "replay with: weft::replay(test, \"" + r.token + "\")"));
  // The whole human-readable report, nothing dropped.
  CHECK(contains(message, weft::to_string(r)));
}

TEST_CASE("catch2 helper: an expected finding that did not come is explained",
          "[checker][catch2]") {
  SECTION("the check passed") {
    const weft::report r = weft::check(fixed_counter);
    REQUIRE(r.passed());
    const std::string message =
        weft::testing::finding_failure_message(r, weft::finding_kind::data_race, "fixed_counter");
    INFO(message);
    CHECK(
        contains(message, "weft::check(fixed_counter): expected a finding of kind \"data race\""));
    CHECK(contains(message, "but every execution passed:\n"));
    CHECK(contains(message, "weft: pass"));
    CHECK_FALSE(weft::testing::found(r, weft::finding_kind::data_race));
  }
  SECTION("the check found another kind") {
    const weft::report r = weft::check(racy_counter);
    REQUIRE(r.kind == weft::finding_kind::assertion);
    const std::string message =
        weft::testing::finding_failure_message(r, weft::finding_kind::deadlock, "racy_counter");
    INFO(message);
    CHECK(contains(message,
                   "expected a finding of kind \"deadlock\", but found \"assertion failure\""));
    CHECK(contains(message, "replay with: weft::replay(test, \"" + r.token + "\")"));
    CHECK(contains(message, weft::to_string(r)));
    CHECK(weft::testing::found(r, weft::finding_kind::assertion));
    CHECK_FALSE(weft::testing::found(r, weft::finding_kind::deadlock));
  }
}

TEST_CASE("catch2 helper: a long check expression is shortened in the headline",
          "[checker][catch2]") {
  const weft::report r = weft::check(racy_counter);
  const std::string long_text(200, 'x');
  const std::string message = weft::testing::pass_failure_message(r, long_text);
  CHECK(message.rfind("weft::check(" + std::string(60, 'x') + "...) failed:\n", 0) == 0);
  CHECK_FALSE(contains(message, std::string(61, 'x')));
}

TEST_CASE("catch2 helper: the pass macros return the report of a passing check",
          "[checker][catch2]") {
  weft::check_options options;
  options.executions = 300;
  const weft::report r = WEFT_REQUIRE_PASSES(fixed_counter, options);
  CHECK(r.statistics.executions == 300);
  CHECK(r.trace.empty());
  const weft::report defaults = WEFT_CHECK_PASSES(fixed_counter);
  CHECK(defaults.passed());
}

TEST_CASE("catch2 helper: the macros take lambdas whose captures hold commas",
          "[checker][catch2]") {
  weft::check_options options;
  options.executions = 100;
  int runs = 0;
  int checks = 0;
  // A mutex counter written out rather than weft::testing::mutex_counter:
  // the lambda itself, commas in its captures, is what is tested.
  WEFT_REQUIRE_PASSES(
      [&runs, &checks] {
        ++runs;
        weft::mutex m;
        weft::shared<int> guarded{0};
        weft::thread t([&m, &guarded] {
          std::lock_guard guard(m);
          guarded.set(guarded.get() + 1);
        });
        {
          std::lock_guard guard(m);
          guarded.set(guarded.get() + 1);
        }
        t.join();
        WEFT_ASSERT(guarded.get() == 2);
        ++checks;
      },
      options);
  CHECK(runs == 100);
  CHECK(checks == 100);
}

TEST_CASE("catch2 helper: the finds macros accept the expected kind and return the report",
          "[checker][catch2]") {
  const weft::report lost = WEFT_REQUIRE_FINDS(weft::finding_kind::assertion, racy_counter);
  CHECK(lost.token.rfind("weft1:", 0) == 0);
  const weft::report raced = WEFT_CHECK_FINDS(weft::finding_kind::data_race, racy_shared);
  CHECK_FALSE(raced.trace.empty());
}

TEST_CASE("catch2 helper: the macros alone are assertions", "[checker][catch2]") {
  // ctest runs with --warn NoAssertions: this case fails there unless the
  // macros record their passing expectations.
  WEFT_REQUIRE_PASSES(fixed_counter);
  WEFT_REQUIRE_FINDS(weft::finding_kind::unjoined_thread, [] { weft::thread t([] {}); });
}

// These must fail (Catch2 reverses their verdict): an expectation that does
// not hold fails the test case, with the report as the message.
TEST_CASE("catch2 helper: a failing check fails WEFT_REQUIRE_PASSES",
          "[checker][catch2][!shouldfail]") {
  WEFT_REQUIRE_PASSES(racy_counter);
}

TEST_CASE("catch2 helper: a passing check fails WEFT_REQUIRE_FINDS",
          "[checker][catch2][!shouldfail]") {
  WEFT_REQUIRE_FINDS(weft::finding_kind::assertion, fixed_counter);
}

TEST_CASE("catch2 helper: another finding fails WEFT_CHECK_FINDS",
          "[checker][catch2][!shouldfail]") {
  WEFT_CHECK_FINDS(weft::finding_kind::deadlock, racy_counter);
}
