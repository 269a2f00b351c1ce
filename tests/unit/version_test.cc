// include/stead/version.h is generated from project(VERSION); the library, the header and
// the macros must agree (`stead --version`, GetSystemInfo and the client-version header use
// the same string).
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "stead/server.h"
#include "stead/version.h"

TEST(VersionTest, HeaderMacrosAndLibraryAgree) {
  std::string parts = std::to_string(STEAD_VERSION_MAJOR) + "." + std::to_string(STEAD_VERSION_MINOR) + "." +
                      std::to_string(STEAD_VERSION_PATCH);
  EXPECT_EQ(parts, STEAD_VERSION_STRING);
  EXPECT_STREQ(stead::version(), STEAD_VERSION_STRING);
  EXPECT_EQ(STEAD_VERSION_NUMBER,
            STEAD_VERSION_MAJOR * 1000000 + STEAD_VERSION_MINOR * 1000 + STEAD_VERSION_PATCH);
}
