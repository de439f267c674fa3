// Replay tokens: round trip through the printed report, and clear errors
// for tokens that do not fit.
#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "support/checker_programs.hpp"
#include "weft/check.hpp"

namespace {

using weft::testing::racy_counter;
using weft::testing::two_locks_deadlock;

std::string printed_token(const weft::report& r) {
  const std::string text = weft::to_string(r);
  const std::string call = "weft::replay(test, \"";
  const std::size_t start = text.find(call);
  REQUIRE(start != std::string::npos);
  const std::size_t begin = start + call.size();
  const std::size_t end = text.find("\")", begin);
  REQUIRE(end != std::string::npos);
  return text.substr(begin, end - begin);
}

void require_same_trace(const weft::report& a, const weft::report& b) {
  REQUIRE(a.trace.size() == b.trace.size());
  for (std::size_t i = 0; i < a.trace.size(); ++i) {
    INFO("step " << i + 1);
    CHECK(a.trace[i].thread == b.trace[i].thread);
    CHECK(a.trace[i].operation == b.trace[i].operation);
    CHECK(a.trace[i].object == b.trace[i].object);
    CHECK(a.trace[i].detail == b.trace[i].detail);
    CHECK(a.trace[i].file == b.trace[i].file);
    CHECK(a.trace[i].line == b.trace[i].line);
  }
}

}  // namespace

TEST_CASE("replay: the printed token reproduces the identical trace", "[checker]") {
  const bool deadlock = GENERATE(false, true);
  const std::function<void()> test = deadlock ? two_locks_deadlock : racy_counter;
  weft::check_options options;
  options.seed = GENERATE(1U, 2U, 3U);
  const weft::report found = weft::check(test, options);
  REQUIRE_FALSE(found.passed());
  const std::string token = printed_token(found);
  CHECK(token == found.token);

  const weft::report again = weft::replay(test, token);
  INFO(weft::to_string(again));
  CHECK(again.kind == found.kind);
  CHECK(again.message == found.message);
  CHECK(again.details == found.details);
  require_same_trace(found, again);
  // And replaying is repeatable.
  require_same_trace(again, weft::replay(test, token));
}

TEST_CASE("replay: malformed tokens are rejected with a clear message", "[checker]") {
  const weft::report found = weft::check(racy_counter);
  REQUIRE_FALSE(found.passed());
  std::string mistyped = found.token;
  mistyped.back() = mistyped.back() == 'A' ? 'B' : 'A';
  const std::string bad = GENERATE_COPY(as<std::string>{}, "", "nonsense", "weft1:", "weft1:#?",
                                        "weft9:AAAA", mistyped);
  const weft::report r = weft::replay(racy_counter, bad);
  INFO(bad << "\n" << r.message);
  CHECK(r.kind == weft::finding_kind::replay_error);
  CHECK(r.message.rfind("malformed token: ", 0) == 0);
  CHECK(r.trace.empty());
}

TEST_CASE("replay: a token of another test diverges", "[checker]") {
  const weft::report deadlock = weft::check(two_locks_deadlock);
  REQUIRE(deadlock.kind == weft::finding_kind::deadlock);
  const weft::report r = weft::replay([] {}, deadlock.token);
  INFO(r.message);
  CHECK(r.kind == weft::finding_kind::replay_error);
  CHECK(r.message.find("schedule diverged at step ") != std::string::npos);

  // Also when the other test fails before the token is used up.
  const weft::report failing = weft::replay([] { WEFT_ASSERT(1 + 1 == 3); }, deadlock.token);
  INFO(failing.message);
  CHECK(failing.kind == weft::finding_kind::replay_error);
  CHECK(failing.message.find("failed first with: WEFT_ASSERT(1 + 1 == 3)") != std::string::npos);
}

TEST_CASE("replay: a passing schedule replays as a pass", "[checker]") {
  // The empty schedule: a single-threaded test has no decisions.
  const weft::report found = weft::check([] { WEFT_ASSERT(1 + 1 == 3); });
  REQUIRE(found.kind == weft::finding_kind::assertion);
  const weft::report r = weft::replay([] {}, found.token);
  CHECK(r.passed());
}
