// Where the tests find the source tree, the shared test vectors and the programs of this build.
//
// The paths live in one generated source file (build_paths.cpp, made by CMake per build folder) and
// not in -D definitions on every test's command line: with them out of the command lines, every other
// test object compiles the same in any clone, so ccache (with CCACHE_BASEDIR) serves a second clone,
// and all test targets share one precompiled header.
//
//   auto agent = awsfota::testing::program("awsfota-agent");   // <build>/bin/awsfota-agent
//   auto vectors = awsfota::testing::shared_dir() / "vectors" / "mcuboot";
#pragma once

#include <filesystem>
#include <string_view>

namespace awsfota::testing {

// The project's source folder (where CMakeLists.txt is).
std::filesystem::path source_dir();
// ../shared beside the source folder: design notes and test vectors made by other tools.
std::filesystem::path shared_dir();
// tests/support in the source folder (fault_server.py and the like).
std::filesystem::path support_dir();
// The build's program folder (CMAKE_RUNTIME_OUTPUT_DIRECTORY).
std::filesystem::path bin_dir();
// Where tests leave what a person may want to look at afterwards (screenshots): <build>/test-output.
std::filesystem::path test_output_dir();
// A program built by this build, by its file name ("awsfota", "awsfota-agent", "awsfota-jobsd", ...).
std::filesystem::path program(std::string_view name);

}  // namespace awsfota::testing
