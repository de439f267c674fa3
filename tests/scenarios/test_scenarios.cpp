// The scenarios against their expected verdicts: every variant, checked
// with its own options, gets exactly the verdict (and finding kind) it
// declares; a failing variant's token replays the identical trace; the
// registry is well formed.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "weft/check.hpp"
#include "weft/scenarios/scenario.hpp"

namespace {

using weft::scenarios::scenario;
using weft::scenarios::variant;

weft::report check_variant(const variant& v) {
  return weft::check([&v] { v.body(v.check_size); }, v.options);
}

}  // namespace

TEST_CASE("scenarios: the registry is well formed", "[scenarios]") {
  const auto& all = weft::scenarios::all();
  REQUIRE_FALSE(all.empty());
  std::set<std::string> names;
  for (const scenario& s : all) {
    CAPTURE(s.name);
    CHECK(names.insert(s.name).second);
    CHECK_FALSE(s.description.empty());
    CHECK_FALSE(s.parameters_help.empty());
    REQUIRE_FALSE(s.variants.empty());
    std::set<std::string> variants;
    bool some_buggy = false;
    bool some_fixed = false;
    for (const variant& v : s.variants) {
      CAPTURE(v.name);
      CHECK(variants.insert(v.name).second);
      CHECK(v.name.find('.') == std::string::npos);
      CHECK_FALSE(v.summary.empty());
      CHECK_FALSE(v.fix.empty());
      CHECK(v.body);
      // A buggy variant says what goes wrong and which finding shows it.
      CHECK(v.buggy() != v.bug.empty());
      CHECK((v.expected.kind == weft::finding_kind::none) == !v.buggy());
      for (const weft::scenarios::parameters& p : {v.check_size, v.native_size}) {
        CHECK(p.threads >= s.limits.min_threads);
        CHECK(p.threads <= s.limits.max_threads);
        CHECK(p.iterations >= s.limits.min_iterations);
        CHECK(p.iterations <= s.limits.max_iterations);
      }
      some_buggy = some_buggy || v.buggy();
      some_fixed = some_fixed || !v.buggy();
      const weft::scenarios::lookup found = weft::scenarios::find(s.name + "." + v.name);
      CHECK(found.scenario == &s);
      CHECK(found.variant == &v);
    }
    CHECK(some_buggy);
    CHECK(some_fixed);
  }
}

TEST_CASE("scenarios: lookup of unknown names finds nothing", "[scenarios]") {
  CHECK(weft::scenarios::find("no_such_scenario").scenario == nullptr);
  CHECK(weft::scenarios::find("").scenario == nullptr);
  const weft::scenarios::lookup s = weft::scenarios::find("counter");
  CHECK(s.scenario != nullptr);
  CHECK(s.variant == nullptr);
  const weft::scenarios::lookup v = weft::scenarios::find("counter.no_such_variant");
  CHECK(v.scenario != nullptr);
  CHECK(v.variant == nullptr);
}

TEST_CASE("scenarios: every variant gets its expected verdict", "[scenarios]") {
  for (const scenario& s : weft::scenarios::all()) {
    for (const variant& v : s.variants) {
      DYNAMIC_SECTION(s.name << "." << v.name) {
        const weft::report r = check_variant(v);
        INFO(weft::to_string(r));
        CHECK(v.expected.matches(r));
        if (r.passed()) continue;
        // The token replays the same failing execution, step for step.
        const weft::report again = weft::replay([&v] { v.body(v.check_size); }, r.token, v.options);
        CHECK(again.kind == r.kind);
        CHECK(again.message == r.message);
        REQUIRE(again.trace.size() == r.trace.size());
        for (std::size_t i = 0; i < r.trace.size(); ++i) {
          CHECK(again.trace[i].thread == r.trace[i].thread);
          CHECK(again.trace[i].operation == r.trace[i].operation);
          CHECK(again.trace[i].detail == r.trace[i].detail);
        }
      }
    }
  }
}
