package store

// Translate is translate, for the error mapping tests of store_test.
var Translate = translate
