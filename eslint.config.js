import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.tmp/', 'bench/results/', 'web/dist/', 'test-artifacts/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of literals: enums are not erasable syntax.' },
        { selector: 'TSParameterProperty', message: 'Declare the field: parameter properties are not erasable syntax.' },
      ],
    },
  },
  {
    // Features meet through each other's index.ts or public modules, never another feature's store.
    files: ['src/**/*.ts'],
    ignores: ['src/org/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../org/store.ts'], message: 'Only org reads and writes its tables.' }] }] },
  },
);
