// The weft command's pieces: durations, name selection, and the three
// renderings of check results (text, JSON, JUnit XML).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "render.hpp"
#include "selection.hpp"
#include "time_limit.hpp"

namespace {

using weft::cli::parse_duration;
using namespace std::chrono_literals;

// A result for `name`, passing or failing with `kind`, without running a check.
weft::cli::variant_result fake_result(const std::string& name, weft::finding_kind kind) {
  std::string error;
  const auto which = weft::cli::select_one(name, error);
  REQUIRE(which);
  weft::cli::variant_result r;
  r.which = *which;
  r.options = which->variant->options;
  r.report.statistics.executions = 42;
  if (kind != weft::finding_kind::none) {
    r.report.verdict = weft::verdict::fail;
    r.report.kind = kind;
    r.report.message = "a <message> with \"quotes\" & \x01 control";
    r.report.token = "weft1:abc";
  }
  r.seconds = 0.25;
  return r;
}

}  // namespace

TEST_CASE("weft command: durations", "[cli]") {
  CHECK(parse_duration("30") == 30s);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("2m") == 2min);
  CHECK(parse_duration("1h") == 1h);
  for (const char* bad :
       {"", "0", "-1", "s", "1.5s", "10 s", "3d", "99999999999999999999", "100000000h", "1s2"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad));
  }
}

TEST_CASE("weft command: selecting variants by name", "[cli]") {
  std::string error;
  const auto all = weft::cli::select({}, true, error);
  CHECK(error.empty());
  CHECK(all.size() == weft::scenarios::valid_names().size());

  const auto counter = weft::cli::select({"counter", "counter.racy"}, false, error);
  CHECK(error.empty());
  REQUIRE_FALSE(counter.empty());
  CHECK(counter.front().name() == "counter.racy");  // duplicates dropped, order kept
  std::size_t racy = 0;
  for (const auto& c : counter)
    racy += c.name() == "counter.racy" ? 1U : 0U;
  CHECK(racy == 1);

  CHECK(weft::cli::select({"counter.nope"}, false, error).empty());
  CHECK(error.find("unknown scenario or variant 'counter.nope'") != std::string::npos);
  CHECK(error.find("counter.racy") != std::string::npos);

  error.clear();
  CHECK_FALSE(weft::cli::select_one("counter", error));
  CHECK(error.find("is a scenario") != std::string::npos);
  error.clear();
  CHECK(weft::cli::select_one("counter.racy", error));
  CHECK(error.empty());
}

TEST_CASE("weft command: XML escaping", "[cli]") {
  CHECK(weft::cli::xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  CHECK(weft::cli::xml_escape("tab\tnew\nline\r") == "tab\tnew\nline\r");
  CHECK(weft::cli::xml_escape(std::string("nul\0bell\x07", 9)) == "nul?bell?");
}

TEST_CASE("weft command: the renderings agree on what was expected and found", "[cli]") {
  // counter.racy expects a data race: a race found is as expected, a pass
  // is not.
  const std::vector<weft::cli::variant_result> results = {
      fake_result("counter.racy", weft::finding_kind::data_race),
      fake_result("counter.mutex", weft::finding_kind::none),
      fake_result("counter.racy", weft::finding_kind::none),
  };
  REQUIRE(results[0].matches());
  REQUIRE(results[1].matches());
  REQUIRE_FALSE(results[2].matches());

  const std::string text = weft::cli::render_text(results, false);
  CHECK(text.find("3 checked: 2 as expected, 1 not") != std::string::npos);
  CHECK(text.find("MISMATCH") != std::string::npos);
  CHECK(text.find("== counter.racy: expected fail: data race, found pass ==") != std::string::npos);

  const std::string verbose = weft::cli::render_text(results, true);
  CHECK(verbose.find("Replay: weft replay counter.racy 'weft1:abc'") != std::string::npos);

  const nlohmann::json json = nlohmann::json::parse(weft::cli::render_json(results));
  REQUIRE(json["results"].size() == 3);
  CHECK(json["results"][0]["match"] == true);
  CHECK(json["results"][0]["expected"]["kind"] == "data race");
  CHECK(json["results"][0]["report"]["kind"] == "data race");
  CHECK(json["results"][0]["replay"] == "weft replay counter.racy 'weft1:abc'");
  CHECK(json["results"][2]["match"] == false);
  CHECK(json["summary"]["checked"] == 3);
  CHECK(json["summary"]["not_as_expected"] == 1);
  CHECK(json["summary"]["executions"] == 126);

  const std::string junit = weft::cli::render_junit(results);
  CHECK(junit.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);
  CHECK(junit.find("<testsuite name=\"weft check\" tests=\"3\" failures=\"1\"") !=
        std::string::npos);
  CHECK(junit.find("<testcase classname=\"counter\" name=\"mutex\"") != std::string::npos);
  CHECK(junit.find("<failure message=\"expected fail: data race, found pass") != std::string::npos);
  CHECK(junit.find("&lt;message&gt; with &quot;quotes&quot; &amp; ? control") != std::string::npos);
  CHECK(junit.find('\x01') == std::string::npos);
}

TEST_CASE("weft command: strategy names round-trip; the text shows a check's warnings", "[cli]") {
  for (const weft::strategy_kind k :
       {weft::strategy_kind::random, weft::strategy_kind::pct, weft::strategy_kind::dfs,
        weft::strategy_kind::preemption_bounding}) {
    CHECK(weft::cli::parse_strategy(weft::cli::strategy_name(k)) == k);
  }
  CHECK(weft::cli::parse_strategy("bounded") == weft::strategy_kind::preemption_bounding);
  CHECK_FALSE(weft::cli::parse_strategy("Random").has_value());
  CHECK_FALSE(weft::cli::parse_strategy("").has_value());

  std::vector<weft::cli::variant_result> results = {
      fake_result("philosophers.arbitrator", weft::finding_kind::none)};
  results[0].report.warnings = {"lock-order inversion (potential deadlock): a then b"};
  const std::string text = weft::cli::render_text(results, false);
  CHECK(text.find("warnings for philosophers.arbitrator (they do not fail the check):\n  "
                  "lock-order inversion (potential deadlock): a then b\n") != std::string::npos);
}
