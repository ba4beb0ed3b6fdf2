import neostandard from 'neostandard'
import globals from 'globals'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'test-results/**', 'bench-results/**', 'src/**/pb/*.ts'] }),
  {
    rules: {
      // `void promise` marks a promise left to run on its own, as libp2p's code does
      'no-void': ['error', { allowAsStatement: true }],
      // reading the first frame of a stream is `for await (...) { return ... }`, as in js-libp2p
      'no-unreachable-loop': 'off',
      // loops that wait for state changed by event handlers look unmodified to this rule
      'no-unmodified-loop-condition': 'off'
    }
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }]
    }
  },
  {
    // in the library, `any` only where a comment says why (tests reach into parts with it)
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error'
    }
  },
  {
    files: ['src/http/dashboard/**/*.js'],
    languageOptions: { globals: { ...globals.browser, cytoscape: 'readonly' } }
  }
]
