# cmake -DMODE=package|subdirectory -DWEFT_SOURCE_DIR=... -DWORK_DIR=... -P run_consumer.cmake
#
# package:      configures and installs weft into WORK_DIR/prefix, then
#               builds the consumer against it with find_package(weft).
# subdirectory: builds the consumer with add_subdirectory(weft).
# Then runs the consumer, which checks the primitives work.
cmake_minimum_required(VERSION 3.25)

foreach(var MODE WEFT_SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake needs -D${var}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(generator -G Ninja)
set(consumer_src "${WEFT_SOURCE_DIR}/tests/packaging/consumer")

if(MODE STREQUAL "package")
  set(prefix "${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} ${generator} -S "${WEFT_SOURCE_DIR}" -B "${WORK_DIR}/weft"
      -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF "-DCMAKE_INSTALL_PREFIX=${prefix}")
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/weft")
  run(${CMAKE_COMMAND} --install "${WORK_DIR}/weft")
  run(${CMAKE_COMMAND} ${generator} -S "${consumer_src}" -B "${WORK_DIR}/consumer"
      -DWEFT_CONSUME=package "-DCMAKE_PREFIX_PATH=${prefix}")
elseif(MODE STREQUAL "subdirectory")
  run(${CMAKE_COMMAND} ${generator} -S "${consumer_src}" -B "${WORK_DIR}/consumer"
      -DWEFT_CONSUME=subdirectory "-DWEFT_SOURCE_DIR=${WEFT_SOURCE_DIR}")
else()
  message(FATAL_ERROR "MODE must be package or subdirectory, not '${MODE}'")
endif()

run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
