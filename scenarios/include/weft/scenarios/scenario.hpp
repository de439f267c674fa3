// weft/scenarios/scenario.hpp: small concurrent programs with known bugs,
// each in buggy and fixed variants with the verdict the checker should
// reach.
//
// A scenario (`counter`, `philosophers`, `pizza`, ...) models one situation;
// its variants are programs for it: the naive one with the bug, and the
// fixes. Every variant's `body` is written against weft's types (weft::thread,
// weft::mutex, weft::atomic, weft::shared, ...), so the same code runs
//
//   * under the checker: `weft::check([&] { v.body(v.check_size); },
//     v.options)` explores its interleavings (`weft check`);
//   * natively on real threads: `v.body(v.native_size)` (`weft run`), where
//     ThreadSanitizer and the runtime deadlock detector can watch it.
//
// The registry (`all()`) is the list the `weft` command, the Python module
// and the tests share: a scenario is added by writing its file and listing
// its factory in registry.cpp.
//
// Example:
//
//   const weft::scenarios::lookup found = weft::scenarios::find("counter.racy");
//   const weft::scenarios::variant& v = *found.variant;
//   weft::report r = weft::check([&] { v.body(v.check_size); }, v.options);
//   assert(r.kind == v.expected.kind);
//
// Concurrency contract: the registry is built on first use (thread-safe, a
// function-local static) and immutable after; a variant's body may be run
// from several threads at once (each run has its own state).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/check.hpp"

namespace weft::scenarios {

// The size of one run of a variant. What the two numbers count is the
// scenario's (see scenario::parameters_help): threads are the workers it
// starts (philosophers, clients, cooks, ...), iterations what each repeats
// (increments, meals, orders, ...).
struct parameters {
  int threads = 2;
  int iterations = 1;
};

// The bounds of `parameters` a scenario accepts (inclusive). The `weft`
// command rejects values outside them with a message naming the option.
struct parameter_limits {
  int min_threads = 1;
  int max_threads = 64;
  int min_iterations = 1;
  int max_iterations = 1'000'000;
};

// What `weft check` of the variant with its own options must find: pass,
// or a failure of exactly `kind`.
struct expectation {
  weft::verdict verdict = weft::verdict::pass;
  weft::finding_kind kind = weft::finding_kind::none;  // none when passing

  [[nodiscard]] bool matches(const weft::report& r) const noexcept {
    return r.verdict == verdict && (verdict == weft::verdict::pass || r.kind == kind);
  }
};

struct variant {
  std::string name;     // after the dot: "naive" in "philosophers.naive"
  std::string summary;  // one line, for `weft list`
  std::string bug;      // what goes wrong, and in which interleaving; empty when none
  std::string fix;      // what this variant does right, or (buggy) what would fix it
  expectation expected;
  // Options for `weft check` that find the bug without tuning (strategy,
  // executions, max_steps, lock_order, ...); the command's flags override
  // them.
  weft::check_options options;
  parameters check_size;   // small, for the checker
  parameters native_size;  // larger, for a native run (`weft run`)
  // The program. Calls WEFT_ASSERT for what must hold; must not rely on a
  // timeout (a deadlocking variant deadlocks: the checker reports it, and a
  // native run has the runtime deadlock detector and a watchdog).
  std::function<void(const parameters&)> body;

  [[nodiscard]] bool buggy() const noexcept { return expected.verdict == weft::verdict::fail; }
};

struct scenario {
  std::string name;             // "philosophers"
  std::string description;      // what the program models, a paragraph
  std::string parameters_help;  // what threads and iterations mean here
  parameter_limits limits;
  std::vector<variant> variants;  // buggy first, then the fixes
};

// Every scenario, sorted by name.
[[nodiscard]] const std::vector<scenario>& all();

// The result of looking up "scenario" or "scenario.variant".
struct lookup {
  const weft::scenarios::scenario* scenario = nullptr;  // null: no such scenario
  const weft::scenarios::variant* variant = nullptr;    // null: none named, or no such variant
};

// Finds a scenario by name, and a variant by "scenario.variant". A name
// without a dot finds the scenario only; an unknown part leaves its pointer
// null (see valid_names for the message).
[[nodiscard]] lookup find(std::string_view name);

// Every "scenario.variant" name, in registry order: for `weft list` and for
// error messages that list what is valid.
[[nodiscard]] std::vector<std::string> valid_names();

}  // namespace weft::scenarios
