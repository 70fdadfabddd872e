// Builds the Outlook add-in front end (task pane + function commands + sign-in dialog page) in the layout of Microsoft's
// Office add-in templates. TypeScript is transpiled by swc (type checking is `npm run typecheck`).
//
// Environment (read at build time):
//   ADDIN_BASE_URL      production URL the add-in is served from, ending in '/' (default https://rezi-sync.example.com/);
//                       dist/manifest.xml gets it instead of https://localhost:3000/ in production builds
//   OFFICE_JS_URL       where the pages load office.js from (default: Microsoft's CDN); the e2e host stand-in serves its own
//   DEV_SERVER_HTTP=1   serve the dev server over plain http (default https with a self-signed certificate)
//   REZI_CLIENT_ID      also replaces the placeholder <WebApplicationInfo> Id in dist/manifest.xml
//   REZI_CLIENT_ID, REZI_TENANT_ID, REZI_AUTHORITY, REZI_ADAPTER_URL, REZI_ADAPTER_SCOPE, REZI_GRAPH_URL  injected as process.env.* into the pages
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');
const CopyWebpackPlugin = require('copy-webpack-plugin');
const { DefinePlugin } = require('webpack');
const { rewriteManifestUrls, productionBaseUrl, setWebApplicationId, DEFAULT_BASE_URL } = require('./scripts/manifest-urls.cjs');
const pkg = require('./package.json');

const DEFAULT_OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
const devServerPort = Number(process.env.npm_package_config_dev_server_port || pkg.config.dev_server_port || 3000);

// Same options as .swcrc (browser build: ES modules, automatic JSX runtime).
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', tsx: true },
    target: 'es2022',
    transform: { react: { runtime: 'automatic' } },
  },
  sourceMaps: true,
};

module.exports = (env, argv) => {
  const production = argv.mode === 'production';
  const baseUrl = productionBaseUrl(process.env.ADDIN_BASE_URL || DEFAULT_BASE_URL);
  const officeJsUrl = process.env.OFFICE_JS_URL || DEFAULT_OFFICE_JS_URL;
  const buildEnv = {
    REZI_CLIENT_ID: process.env.REZI_CLIENT_ID || '',
    REZI_TENANT_ID: process.env.REZI_TENANT_ID || '',
    REZI_AUTHORITY: process.env.REZI_AUTHORITY || '',
    REZI_ADAPTER_URL: process.env.REZI_ADAPTER_URL || 'http://localhost:3001',
    REZI_ADAPTER_SCOPE: process.env.REZI_ADAPTER_SCOPE || '',
    REZI_GRAPH_URL: process.env.REZI_GRAPH_URL || 'https://graph.microsoft.com/v1.0',
    APP_VERSION: pkg.version,
  };

  return {
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: {
      taskpane: './src/taskpane/index.tsx',
      commands: './src/commands/commands.ts',
      'auth-dialog': './src/outlook/auth-dialog.ts', // sign-in through the Office dialog API where NAA is missing
      redirect: './src/outlook/redirect.ts', // MSAL 5's redirect bridge: completes ssoSilent and popups where NAA is missing
    },
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: production ? '[name].[contenthash:8].js' : '[name].js',
      chunkFilename: production ? '[name].[contenthash:8].js' : '[name].js',
      clean: { keep: /^server(-build)?\// }, // the adapter build (npm run build:server) lives alongside
      publicPath: 'auto',
    },
    resolve: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
    module: {
      rules: [
        { test: /\.[cm]?tsx?$/, exclude: /node_modules/, use: { loader: 'swc-loader', options: swcOptions } },
        { test: /\.(png|jpe?g|gif|svg)$/, type: 'asset/resource', generator: { filename: 'assets/[name].[contenthash:8][ext]' } },
      ],
    },
    optimization: {
      // Big libraries (msal, graph client, fluent) go to their own chunks so they can be cached and lazy-loaded.
      splitChunks: production
        ? {
            chunks: 'all',
            cacheGroups: {
              msal: { test: /[\\/]node_modules[\\/]@azure[\\/]/, name: 'msal', priority: 20 },
              graph: { test: /[\\/]node_modules[\\/]@microsoft[\\/]microsoft-graph-client[\\/]/, name: 'graph', priority: 20 },
              fluent: { test: /[\\/]node_modules[\\/](@fluentui|@griffel|@floating-ui|tabster)[\\/]/, name: 'fluent', priority: 10 },
              react: { test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/, name: 'react', priority: 10 },
            },
          }
        : false,
    },
    performance: { hints: false },
    plugins: [
      new DefinePlugin(Object.fromEntries(Object.entries(buildEnv).map(([k, v]) => [`process.env.${k}`, JSON.stringify(v)]))),
      new HtmlWebpackPlugin({
        filename: 'taskpane.html',
        template: './src/taskpane/taskpane.html',
        chunks: ['taskpane'],
        templateParameters: { officeJsUrl },
      }),
      new HtmlWebpackPlugin({
        filename: 'commands.html',
        template: './src/commands/commands.html',
        chunks: ['commands'],
        templateParameters: { officeJsUrl },
      }),
      new HtmlWebpackPlugin({
        filename: 'auth-dialog.html',
        template: './src/outlook/auth-dialog.html',
        chunks: ['auth-dialog'],
        templateParameters: { officeJsUrl },
      }),
      new HtmlWebpackPlugin({
        filename: 'redirect.html',
        template: './src/outlook/redirect.html',
        chunks: ['redirect'],
      }),
      new CopyWebpackPlugin({
        patterns: [
          { from: 'assets/*.png', to: 'assets/[name][ext]' },
          { from: 'assets/help.html', to: 'help.html' },
          {
            from: 'manifest.xml',
            to: 'manifest.xml',
            // Development keeps the localhost URLs so the dev manifest can be sideloaded from dist/ too.
            transform: (content) => {
              const xml = setWebApplicationId(content.toString(), buildEnv.REZI_CLIENT_ID);
              return production ? rewriteManifestUrls(xml, baseUrl) : xml;
            },
          },
        ],
      }),
    ],
    devServer: {
      port: devServerPort,
      server: process.env.DEV_SERVER_HTTP === '1' ? 'http' : 'https',
      headers: { 'Access-Control-Allow-Origin': '*' },
      static: false,
      hot: false,
      client: { overlay: { warnings: false } },
    },
  };
};
