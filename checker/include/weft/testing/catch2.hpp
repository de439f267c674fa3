// weft/testing/catch2.hpp
//
// Catch2 assertions around `weft::check`: a check that should pass, or
// should find a given kind of failure, is one line in a TEST_CASE, and when
// it does not do what was expected the test case fails with weft's whole
// report (verdict, message, trace, replay token and the weft::replay call)
// as Catch2's failure message.
//
// Include it after Catch2: <catch2/catch.hpp> (Catch2 2.x) or
// <catch2/catch_test_macros.hpp> (Catch2 3.x); only FAIL, FAIL_CHECK and
// SUCCEED are used, which both versions define (or their CATCH_-prefixed
// forms under CATCH_CONFIG_PREFIX_ALL). Link weft::checker.
//
//   #include <catch2/catch.hpp>
//   #include <weft/testing/catch2.hpp>
//
//   TEST_CASE("the counter is race-free") {
//     weft::check_options options;
//     options.executions = 2000;
//     const weft::report r = WEFT_REQUIRE_PASSES(
//         [] {
//           weft::atomic<int> counter{0};
//           weft::thread a([&] { counter.fetch_add(1); });
//           weft::thread b([&] { counter.fetch_add(1); });
//           a.join();
//           b.join();
//           WEFT_ASSERT(counter.load() == 2);
//         },
//         options);
//     CHECK(r.statistics.executions == 2000);  // the report stays available
//   }
//
//   TEST_CASE("the unguarded counter loses updates") {
//     WEFT_REQUIRE_FINDS(weft::finding_kind::assertion, racy_counter);
//   }
//
// The macros (each takes the arguments of weft::check: a test and, optionally,
// check_options; and each evaluates to the weft::report):
//   WEFT_REQUIRE_PASSES(test [, options])  the check passes, else FAIL
//   WEFT_CHECK_PASSES(test [, options])    the same with FAIL_CHECK (goes on)
//   WEFT_REQUIRE_FINDS(kind, test [, options])  the check fails with a
//                                          finding of `kind`, else FAIL
//   WEFT_CHECK_FINDS(kind, test [, options])    the same with FAIL_CHECK
// An expectation that holds is recorded with SUCCEED, so a test case made of
// these macros alone has assertions (--warn NoAssertions is satisfied).
//
// The messages come from weft::testing::pass_failure_message and
// finding_failure_message below, which are plain functions of a report, so
// that a test (or another framework's adapter) can build and inspect them.
//
// A failure's message ends with `weft::replay(test, "weft1:...")`: call it
// with the same test and the same check_options (max_steps, grain,
// spurious_wakeups and timeouts must match) to re-run that execution.
//
// Inside the test, assert with WEFT_ASSERT, not CHECK or REQUIRE: Catch2's
// assertions would count once per execution, and a failing REQUIRE's
// exception would escape a model thread (a finding of kind `exception`).
//
// Invalid: using the macros outside a function body (each is an immediately
// invoked lambda that captures by reference). Cost: that of weft::check;
// the message is built only when the expectation does not hold.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "weft/check.hpp"

#if defined(CATCH_CONFIG_PREFIX_ALL)
#if !defined(CATCH_FAIL)
#error "include <catch2/catch.hpp> or <catch2/catch_test_macros.hpp> before weft/testing/catch2.hpp"
#endif
#define WEFT_INTERNAL_CATCH_FAIL CATCH_FAIL
#define WEFT_INTERNAL_CATCH_FAIL_CHECK CATCH_FAIL_CHECK
#define WEFT_INTERNAL_CATCH_SUCCEED CATCH_SUCCEED
#else
#if !defined(FAIL)
#error "include <catch2/catch.hpp> or <catch2/catch_test_macros.hpp> before weft/testing/catch2.hpp"
#endif
#define WEFT_INTERNAL_CATCH_FAIL FAIL
#define WEFT_INTERNAL_CATCH_FAIL_CHECK FAIL_CHECK
#define WEFT_INTERNAL_CATCH_SUCCEED SUCCEED
#endif

namespace weft::testing {

namespace internal {

// The check's arguments as the user wrote them, shortened: a whole lambda
// body stringified on one line would bury the report under it.
inline std::string abbreviate(std::string_view text) {
  constexpr std::size_t limit = 60;
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace internal

// Whether `r` is the failure an expectation of `expected` asks for.
[[nodiscard]] inline bool found(const report& r, finding_kind expected) noexcept {
  return !r.passed() && r.kind == expected;
}

// The failure message for a check of `check_text` (the arguments given to
// weft::check, as written) that was expected to pass: a headline naming
// the check, then weft::to_string(r).
[[nodiscard]] inline std::string pass_failure_message(const report& r,
                                                      std::string_view check_text) {
  return "weft::check(" + internal::abbreviate(check_text) + ") failed:\n" + to_string(r);
}

// The failure message for a check of `check_text` that was expected to find
// `expected` but passed or found something else: a headline saying which,
// then weft::to_string(r) (with the trace and replay call when it failed).
[[nodiscard]] inline std::string finding_failure_message(const report& r, finding_kind expected,
                                                         std::string_view check_text) {
  std::string text = "weft::check(" + internal::abbreviate(check_text) +
                     "): expected a finding of kind \"" + std::string(to_string(expected)) +
                     "\", but ";
  if (r.passed()) {
    text += "every execution passed";
  } else {
    text += "found \"" + std::string(to_string(r.kind)) + "\"";
  }
  return text + ":\n" + to_string(r);
}

}  // namespace weft::testing

// The macros' shared body; `fail` is the Catch2 macro for an unmet
// expectation. The lambda makes the macro an expression whose value is the
// report; Catch2's own macros record the file and line of the expansion.
#define WEFT_INTERNAL_EXPECT_PASS(fail, ...)                                           \
  [&]() -> ::weft::report {                                                            \
    ::weft::report weft_internal_report = ::weft::check(__VA_ARGS__);                  \
    if (weft_internal_report.passed()) {                                               \
      WEFT_INTERNAL_CATCH_SUCCEED("weft::check passed");                               \
    } else {                                                                           \
      fail(::weft::testing::pass_failure_message(weft_internal_report, #__VA_ARGS__)); \
    }                                                                                  \
    return weft_internal_report;                                                       \
  }()

#define WEFT_INTERNAL_EXPECT_FINDING(fail, kind, ...)                                         \
  [&]() -> ::weft::report {                                                                   \
    const ::weft::finding_kind weft_internal_kind = (kind);                                   \
    ::weft::report weft_internal_report = ::weft::check(__VA_ARGS__);                         \
    if (::weft::testing::found(weft_internal_report, weft_internal_kind)) {                   \
      WEFT_INTERNAL_CATCH_SUCCEED("weft::check found the expected failure");                  \
    } else {                                                                                  \
      fail(::weft::testing::finding_failure_message(weft_internal_report, weft_internal_kind, \
                                                    #__VA_ARGS__));                           \
    }                                                                                         \
    return weft_internal_report;                                                              \
  }()

#define WEFT_REQUIRE_PASSES(...) WEFT_INTERNAL_EXPECT_PASS(WEFT_INTERNAL_CATCH_FAIL, __VA_ARGS__)
#define WEFT_CHECK_PASSES(...) \
  WEFT_INTERNAL_EXPECT_PASS(WEFT_INTERNAL_CATCH_FAIL_CHECK, __VA_ARGS__)
#define WEFT_REQUIRE_FINDS(kind, ...) \
  WEFT_INTERNAL_EXPECT_FINDING(WEFT_INTERNAL_CATCH_FAIL, kind, __VA_ARGS__)
#define WEFT_CHECK_FINDS(kind, ...) \
  WEFT_INTERNAL_EXPECT_FINDING(WEFT_INTERNAL_CATCH_FAIL_CHECK, kind, __VA_ARGS__)
