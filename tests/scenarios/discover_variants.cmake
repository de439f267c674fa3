# Included by ctest (through the generated discover_variants_config.cmake,
# which sets WEFT_COMMAND and WEFT_TSAN): tests made from the scenario
# registry of the built weft command, as gtest_discover_tests does, so that
# they are always the registry's.
#
#   scenario.<SCENARIO.VARIANT>  `weft check SCENARIO.VARIANT`: the checker
#                                gets the variant's expected verdict.
#   tsan.<SCENARIO.VARIANT>      (ThreadSanitizer builds) `weft run` natively:
#                                TSan reports the data race of a variant
#                                expected to have one (within a few runs,
#                                see tsan_race.cmake), and nothing for a
#                                variant expected to pass.
execute_process(COMMAND "${WEFT_COMMAND}" list --format json
  RESULT_VARIABLE status OUTPUT_VARIABLE listing ERROR_VARIABLE error)
if(NOT status EQUAL 0)
  # Make the failure visible as a test rather than silently adding none.
  add_test(scenario.discovery "${WEFT_COMMAND}" list --format json)
  return()
endif()
string(JSON count LENGTH "${listing}")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${listing}" ${i} name)
  string(JSON expected GET "${listing}" ${i} expected)
  add_test(scenario.${name} "${WEFT_COMMAND}" check ${name})
  set_tests_properties(scenario.${name} PROPERTIES LABELS "scenarios")
  if(WEFT_TSAN AND expected STREQUAL "fail: data race")
    add_test(tsan.${name} "${WEFT_CMAKE}" "-DWEFT=${WEFT_COMMAND}" "-DNAME=${name}"
      -P "${WEFT_TSAN_RACE_SCRIPT}")
    set_tests_properties(tsan.${name} PROPERTIES LABELS "scenarios;tsan")
  elseif(WEFT_TSAN AND expected STREQUAL "pass")
    add_test(tsan.${name} "${WEFT_COMMAND}" run ${name})
    set_tests_properties(tsan.${name} PROPERTIES LABELS "scenarios;tsan"
      ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1"
      FAIL_REGULAR_EXPRESSION "ThreadSanitizer")
  endif()
endforeach()
